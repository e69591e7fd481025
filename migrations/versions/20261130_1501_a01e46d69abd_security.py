"""security: sign-in throttle per address (known or not), persistent problem-report limit

Revision ID: a01e46d69abd
Revises: f6a9c2e4b8d1
Create Date: 2026-11-30 15:01:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a01e46d69abd'
down_revision = 'f6a9c2e4b8d1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'login_throttle',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('failures >= 0', name=op.f('ck_login_throttle_failures_positive')),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttle')),
    )
    # The per-user counters are replaced by login_throttle (one rule for known and unknown addresses).
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_user_account_failed_logins_positive'), type_='check')
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')
    with op.batch_alter_table('problem_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reporter_key', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_problem_report_reporter_key'), ['reporter_key'], unique=False)


def downgrade():
    with op.batch_alter_table('problem_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_problem_report_reporter_key'))
        batch_op.drop_column('reporter_key')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint('failed_logins_positive', 'failed_logins >= 0')
    op.drop_table('login_throttle')
