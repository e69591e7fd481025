"""flags people: peer supporters and volunteers of an organisation, with their training status, and
the services they work in (the service access flags and network level came with the foundation)

Revision ID: a07e13061600
Revises: a0749f051600
Create Date: 2026-11-30 16:06:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a07e13061600'
down_revision = 'a0749f051600'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('peer_supporter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.String(length=36), nullable=False),
    sa.Column('display_name', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('training_status', sa.String(length=12), nullable=False),
    sa.Column('training_date', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('peer_supporter', 'volunteer')", name=op.f('ck_peer_supporter_kind_known')),
    sa.CheckConstraint("training_status IN ('not_trained', 'in_training', 'trained')", name=op.f('ck_peer_supporter_training_status_known')),
    sa.CheckConstraint("training_status != 'trained' OR training_date IS NOT NULL", name=op.f('ck_peer_supporter_trained_has_date')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_peer_supporter_organization_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_peer_supporter'))
    )
    with op.batch_alter_table('peer_supporter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_peer_supporter_organization_id'), ['organization_id'], unique=False)

    op.create_table('peer_supporter_service',
    sa.Column('peer_supporter_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['peer_supporter_id'], ['peer_supporter.id'], name=op.f('fk_peer_supporter_service_peer_supporter_id_peer_supporter'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_peer_supporter_service_service_id_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('peer_supporter_id', 'service_id', name=op.f('pk_peer_supporter_service'))
    )
    with op.batch_alter_table('peer_supporter_service', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_peer_supporter_service_service_id'), ['service_id'], unique=False)


def downgrade():
    with op.batch_alter_table('peer_supporter_service', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_peer_supporter_service_service_id'))
    op.drop_table('peer_supporter_service')
    with op.batch_alter_table('peer_supporter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_peer_supporter_organization_id'))
    op.drop_table('peer_supporter')
