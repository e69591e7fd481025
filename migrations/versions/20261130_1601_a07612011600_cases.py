"""cases: the case record's contents (consent to keep it and who gave it, medication, the caregiver
or guardian), its conditions, and the individual plan's append-only entries by domain

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

RELATIONSHIPS = "('parent', 'spouse', 'child', 'sibling', 'other_relative', 'friend', 'other')"
DOMAINS = "('housing', 'education', 'employment', 'finances', 'family', 'health')"
PLAN_STATUSES = "('goal_set', 'in_progress', 'achieved', 'on_hold', 'not_needed')"


def upgrade():
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        # Existing rows (none are expected: the record had no form before) count as kept with the
        # client's consent on the day of the upgrade.
        batch_op.add_column(sa.Column('consent_on', sa.Date(), nullable=False, server_default=sa.text('CURRENT_DATE')))
        batch_op.add_column(sa.Column('consent_given_by', sa.String(length=10), nullable=False, server_default='client'))
        batch_op.add_column(sa.Column('medication', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('caregiver_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('caregiver_relationship', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('caregiver_phone', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('caregiver_is_guardian', sa.Boolean(), nullable=True))
        batch_op.create_check_constraint(op.f('ck_case_record_consent_given_by_known'),
                                         "consent_given_by IN ('client', 'guardian')")
        batch_op.create_check_constraint(op.f('ck_case_record_caregiver_relationship_known'),
                                         "caregiver_relationship IS NULL OR caregiver_relationship IN " + RELATIONSHIPS)

    op.create_table('case_condition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_record_id', sa.Integer(), nullable=False),
    sa.Column('condition_code', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['case_record_id'], ['case_record.id'], name=op.f('fk_case_condition_case_record_id_case_record'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_condition')),
    sa.UniqueConstraint('case_record_id', 'condition_code', name='uq_case_condition_pair')
    )
    with op.batch_alter_table('case_condition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_condition_condition_code'), ['condition_code'], unique=False)

    op.create_table('case_plan_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_record_id', sa.Integer(), nullable=False),
    sa.Column('domain', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('text', sa.String(length=1000), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("domain IN " + DOMAINS, name=op.f('ck_case_plan_entry_domain_known')),
    sa.CheckConstraint("status IN " + PLAN_STATUSES, name=op.f('ck_case_plan_entry_status_known')),
    sa.ForeignKeyConstraint(['case_record_id'], ['case_record.id'], name=op.f('fk_case_plan_entry_case_record_id_case_record'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_case_plan_entry_recorded_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_plan_entry'))
    )
    with op.batch_alter_table('case_plan_entry', schema=None) as batch_op:
        batch_op.create_index('ix_case_plan_entry_record_domain', ['case_record_id', 'domain', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('case_plan_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_case_plan_entry_record_domain')
    op.drop_table('case_plan_entry')

    with op.batch_alter_table('case_condition', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_condition_condition_code'))
    op.drop_table('case_condition')

    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_case_record_caregiver_relationship_known'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_case_record_consent_given_by_known'), type_='check')
        batch_op.drop_column('caregiver_is_guardian')
        batch_op.drop_column('caregiver_phone')
        batch_op.drop_column('caregiver_relationship')
        batch_op.drop_column('caregiver_name')
        batch_op.drop_column('medication')
        batch_op.drop_column('consent_given_by')
        batch_op.drop_column('consent_on')
