"""followups: placeholder (filled in by the followups work; keep the chain linear)

Revision ID: a07225021600
Revises: a07612011600
Create Date: 2026-11-30 16:02:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a07225021600'
down_revision = 'a07612011600'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
