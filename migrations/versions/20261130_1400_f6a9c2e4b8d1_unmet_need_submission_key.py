"""unmet need submission key: the same profile from the same worker on the same day counts once

Revision ID: f6a9c2e4b8d1
Revises: e5f8b1d3a7c9
Create Date: 2026-11-30 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f6a9c2e4b8d1'
down_revision = 'e5f8b1d3a7c9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('unmet_need', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submission_key', sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f('ix_unmet_need_submission_key'), ['submission_key'], unique=False)


def downgrade():
    with op.batch_alter_table('unmet_need', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unmet_need_submission_key'))
        batch_op.drop_column('submission_key')
