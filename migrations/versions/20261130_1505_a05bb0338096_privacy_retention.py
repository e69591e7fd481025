"""privacy retention: the index outbox becomes a change feed pruned by age (index on enqueued_at)

Revision ID: a05bb0338096
Revises: a03044b44ee8
Create Date: 2026-11-30 15:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a05bb0338096'
down_revision = 'a03044b44ee8'
branch_labels = None
depends_on = None


def upgrade():
    # Feed rows are kept for a window and pruned by age (flask privacy purge): find the old ones
    # without reading the whole feed.
    with op.batch_alter_table('index_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_index_outbox_enqueued_at'), ['enqueued_at'], unique=False)


def downgrade():
    with op.batch_alter_table('index_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_index_outbox_enqueued_at'))
