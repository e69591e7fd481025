"""loop transfer: transfer criteria per stage pair (shipped data, editable in the admin) and which of
them a referral met (who ticked it, when)

Revision ID: a0749f051600
Revises: a07ba8031600
Create Date: 2026-11-30 16:05:00

Data: installs the shipped criteria (``portal/vocab/data/transfer_criteria.json``), as the
vocabulary migration installs the vocabularies; later changes come with ``flask vocab install``.
"""
import json
import uuid
from pathlib import Path

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a0749f051600'
down_revision = 'a07ba8031600'
branch_labels = None
depends_on = None

_DATA = Path(__file__).resolve().parents[2] / "portal" / "vocab" / "data" / "transfer_criteria.json"
# portal/transfer/install.py: CRITERION_NAMESPACE (never change: the ids derive from it).
_NAMESPACE = uuid.UUID("0b1f5d8e-4c2a-4f7b-9e63-2d71a8c4b590")


def upgrade():
    op.create_table('transfer_criterion',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('from_stage', sa.String(length=80), nullable=False),
    sa.Column('to_stage', sa.String(length=80), nullable=False),
    sa.Column('code', sa.String(length=80), nullable=False),
    sa.Column('name_zh', sa.String(length=300), nullable=False),
    sa.Column('name_en', sa.String(length=300), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint('from_stage <> to_stage', name=op.f('ck_transfer_criterion_two_stages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer_criterion')),
    sa.UniqueConstraint('from_stage', 'to_stage', 'code', name='uq_transfer_criterion_pair_code')
    )
    with op.batch_alter_table('transfer_criterion', schema=None) as batch_op:
        batch_op.create_index('ix_transfer_criterion_pair', ['from_stage', 'to_stage'], unique=False)

    op.create_table('referral_criterion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.String(length=36), nullable=False),
    sa.Column('criterion_id', sa.String(length=36), nullable=False),
    sa.Column('met_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('met_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['criterion_id'], ['transfer_criterion.id'], name=op.f('fk_referral_criterion_criterion_id_transfer_criterion'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['met_by_id'], ['user_account.id'], name=op.f('fk_referral_criterion_met_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_referral_criterion_referral_id_referral'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_criterion')),
    sa.UniqueConstraint('referral_id', 'criterion_id', name='uq_referral_criterion_pair')
    )
    with op.batch_alter_table('referral_criterion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_criterion_referral_id'), ['referral_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_criterion_criterion_id'), ['criterion_id'], unique=False)

    install_data(op.get_bind())


def install_data(bind):
    table = sa.table('transfer_criterion', sa.column('id', sa.String), sa.column('from_stage', sa.String),
                     sa.column('to_stage', sa.String), sa.column('code', sa.String), sa.column('name_zh', sa.String),
                     sa.column('name_en', sa.String), sa.column('position', sa.Integer),
                     sa.column('active', sa.Boolean))
    data = json.loads(_DATA.read_text(encoding="utf-8"))
    rows = []
    for pair in data["pairs"]:
        for position, item in enumerate(pair["criteria"], start=1):
            key = f"{pair['from_stage']}:{pair['to_stage']}:{item['code']}"
            rows.append(dict(id=str(uuid.uuid5(_NAMESPACE, key)), from_stage=pair["from_stage"],
                             to_stage=pair["to_stage"], code=item["code"], name_zh=item["name_zh"],
                             name_en=item["name_en"], position=position, active=True))
    if rows:
        bind.execute(table.insert(), rows)


def downgrade():
    with op.batch_alter_table('referral_criterion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_criterion_criterion_id'))
        batch_op.drop_index(batch_op.f('ix_referral_criterion_referral_id'))
    op.drop_table('referral_criterion')
    with op.batch_alter_table('transfer_criterion', schema=None) as batch_op:
        batch_op.drop_index('ix_transfer_criterion_pair')
    op.drop_table('transfer_criterion')
