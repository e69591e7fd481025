"""near me: placeholder (filled in by the near_me work; keep the chain linear)

Revision ID: a072af071600
Revises: a07e13061600
Create Date: 2026-11-30 16:07:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a072af071600'
down_revision = 'a07e13061600'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
