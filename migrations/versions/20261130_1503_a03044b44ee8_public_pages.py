"""public pages: resource lists shared as a link (service ids only, with an expiry)

Revision ID: a03044b44ee8
Revises: a025b97d4707
Create Date: 2026-11-30 15:03:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a03044b44ee8'
down_revision = 'a025b97d4707'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'shared_resource_list',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('service_ids', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_shared_resource_list')),
    )
    with op.batch_alter_table('shared_resource_list', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shared_resource_list_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('shared_resource_list', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shared_resource_list_expires_at'))
    op.drop_table('shared_resource_list')
