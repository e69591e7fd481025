"""crisis: an emergency urgency (due times in clock hours) on referrals

Revision ID: a07ba8031600
Revises: a07225021600
Create Date: 2026-11-30 16:03:00

The risk flags (client.at_risk, referral.at_risk) and service.after_hours_phone came with the person
foundation (a06f0a2d1600); this revision only widens the referral's urgency codes.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a07ba8031600'
down_revision = 'a07225021600'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_referral_urgency_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_referral_urgency_known'),
                                         "urgency IN ('emergency', 'urgent', 'priority', 'routine')")


def downgrade():
    # An emergency referral becomes urgent: the nearest level that the old codes know.
    op.execute("UPDATE referral SET urgency = 'urgent' WHERE urgency = 'emergency'")
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_referral_urgency_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_referral_urgency_known'),
                                         "urgency IN ('urgent', 'priority', 'routine')")
