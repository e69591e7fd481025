"""cases: placeholder (filled in by the cases work; keep the chain linear)

Revision ID: a07612011600
Revises: a06f0a2d1600
Create Date: 2026-11-30 16:01:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a07612011600'
down_revision = 'a06f0a2d1600'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
