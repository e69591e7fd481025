"""crisis: placeholder (filled in by the crisis work; keep the chain linear)

Revision ID: a07ba8031600
Revises: a07225021600
Create Date: 2026-11-30 16:03:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a07ba8031600'
down_revision = 'a07225021600'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
