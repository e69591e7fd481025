"""retention reports: placeholder (filled in by the retention_reports work; keep the chain linear)

Revision ID: a07e0e041600
Revises: a07ba8031600
Create Date: 2026-11-30 16:04:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a07e0e041600'
down_revision = 'a07ba8031600'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
