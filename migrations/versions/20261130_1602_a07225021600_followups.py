"""followups: a follow-up series ends only by an explicit action with a reason (ended_on, end_reason)

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

END_REASONS = "('completed_treatment', 'moved_away', 'died', 'declined_contact', 'transferred', 'other')"


def upgrade():
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ended_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('end_reason', sa.String(length=30), nullable=True))
        batch_op.create_check_constraint(op.f('ck_follow_up_end_reason_known'),
                                         "end_reason IS NULL OR end_reason IN " + END_REASONS)
        batch_op.create_check_constraint(op.f('ck_follow_up_end_has_reason'),
                                         "(ended_on IS NULL AND end_reason IS NULL) OR "
                                         "(ended_on IS NOT NULL AND end_reason IS NOT NULL)")
        batch_op.create_check_constraint(op.f('ck_follow_up_done_or_ended'), "done_on IS NULL OR ended_on IS NULL")


def downgrade():
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_follow_up_done_or_ended'), type_='check')
        batch_op.drop_constraint(op.f('ck_follow_up_end_has_reason'), type_='check')
        batch_op.drop_constraint(op.f('ck_follow_up_end_reason_known'), type_='check')
        batch_op.drop_column('end_reason')
        batch_op.drop_column('ended_on')
