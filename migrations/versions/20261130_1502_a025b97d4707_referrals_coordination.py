"""referrals coordination: the stored match profile a referral was made from (refer elsewhere)

Revision ID: a025b97d4707
Revises: a01e46d69abd
Create Date: 2026-11-30 15:02:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a025b97d4707'
down_revision = 'a01e46d69abd'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("referral") as batch:
        batch.add_column(sa.Column("match_profile_id", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("referral") as batch:
        batch.drop_column("match_profile_id")
