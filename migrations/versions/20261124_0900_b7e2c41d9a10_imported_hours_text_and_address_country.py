"""imported hours text and address state/country

Revision ID: b7e2c41d9a10
Revises: ac54ff886745
Create Date: 2026-11-24 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e2c41d9a10'
down_revision = 'ac54ff886745'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state_province', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('country', sa.String(length=2), nullable=True))
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hours_text', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_column('hours_text')
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.drop_column('country')
        batch_op.drop_column('state_province')
