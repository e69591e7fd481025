"""flags people: placeholder (filled in by the flags_people work; keep the chain linear)

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
    pass


def downgrade():
    pass
