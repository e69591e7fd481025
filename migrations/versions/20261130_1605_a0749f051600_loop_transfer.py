"""loop transfer: placeholder (filled in by the loop_transfer work; keep the chain linear)

Revision ID: a0749f051600
Revises: a07e0e041600
Create Date: 2026-11-30 16:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a0749f051600'
down_revision = 'a07e0e041600'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
