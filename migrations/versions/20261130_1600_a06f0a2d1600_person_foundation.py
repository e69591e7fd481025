"""person foundation: case records, follow-ups that belong to the person, service access facts,
risk flags, refer-back links, consent by a guardian, network level on organisations

Revision ID: a06f0a2d1600
Revises: a05bb0338096
Create Date: 2026-11-30 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a06f0a2d1600'
down_revision = 'a05bb0338096'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=36), nullable=False),
    sa.Column('management_level', sa.String(length=12), nullable=True),
    sa.Column('case_manager_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("management_level IS NULL OR management_level IN ('intensive', 'standard', 'maintenance')", name=op.f('ck_case_record_management_level_known')),
    sa.ForeignKeyConstraint(['case_manager_id'], ['user_account.id'], name=op.f('fk_case_record_case_manager_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_case_record_client_id_client'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_record')),
    sa.UniqueConstraint('client_id', name=op.f('uq_case_record_client_id'))
    )
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_record_case_manager_id'), ['case_manager_id'], unique=False)

    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('at_risk', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('given_by', sa.String(length=10), nullable=False, server_default='client'))
        batch_op.create_check_constraint(op.f('ck_consent_given_by_known'), "given_by IN ('client', 'guardian')")

    # Follow-ups belong to the person: existing ones take their referral's client.
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_id', sa.String(length=36), nullable=True))
    op.execute("UPDATE follow_up SET client_id = (SELECT referral.client_id FROM referral WHERE referral.id = follow_up.referral_id)")
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.alter_column('client_id', existing_type=sa.String(length=36), nullable=False)
        batch_op.add_column(sa.Column('in_treatment', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('medication_adherence', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('side_effects', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('relapse', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('crisis', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('barrier', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('stay_reasons', sa.String(length=200), nullable=True))
        batch_op.alter_column('referral_id',
               existing_type=sa.VARCHAR(length=36),
               nullable=True)
        batch_op.create_index('ix_follow_up_client_due', ['client_id', 'due_on'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_follow_up_client_id_client'), 'client', ['client_id'], ['id'], ondelete='CASCADE')
        batch_op.create_check_constraint(op.f('ck_follow_up_adherence_known'), "medication_adherence IS NULL OR medication_adherence IN ('regular', 'irregular', 'stopped', 'not_applicable')")
        batch_op.create_check_constraint(op.f('ck_follow_up_barrier_known'), "barrier IS NULL OR barrier IN ('fear_methadone_harmful', 'feels_dependent', 'poor_staff_relationship', 'side_effects', 'cost', 'distance_or_time', 'work_conflict', 'stigma', 'detained', 'moved_away', 'relapse', 'other')")

    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.add_column(sa.Column('network_level', sa.String(length=12), nullable=True))
        batch_op.create_index(batch_op.f('ix_organization_network_level'), ['network_level'], unique=False)
        batch_op.create_check_constraint(op.f('ck_organization_network_level_known'), "network_level IS NULL OR network_level IN ('city', 'district', 'street', 'community')")

    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.add_column(sa.Column('at_risk', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('parent_referral_id', sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f('ix_referral_parent_referral_id'), ['parent_referral_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_referral_parent_referral_id_referral'), 'referral', ['parent_referral_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('access_mode', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('anonymous_access', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('reports_to_police', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('guardian_consent_required', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('after_hours_phone', sa.String(length=40), nullable=True))
        batch_op.create_check_constraint(op.f('ck_service_access_mode_known'), "access_mode IS NULL OR access_mode IN ('voluntary', 'compulsory')")



def downgrade():
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_service_access_mode_known'), type_='check')
        batch_op.drop_column('after_hours_phone')
        batch_op.drop_column('guardian_consent_required')
        batch_op.drop_column('reports_to_police')
        batch_op.drop_column('anonymous_access')
        batch_op.drop_column('access_mode')

    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_referral_parent_referral_id_referral'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_referral_parent_referral_id'))
        batch_op.drop_column('parent_referral_id')
        batch_op.drop_column('at_risk')

    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_organization_network_level_known'), type_='check')
        batch_op.drop_index(batch_op.f('ix_organization_network_level'))
        batch_op.drop_column('network_level')

    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_follow_up_adherence_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_follow_up_barrier_known'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_follow_up_client_id_client'), type_='foreignkey')
        batch_op.drop_index('ix_follow_up_client_due')
        batch_op.alter_column('referral_id',
               existing_type=sa.VARCHAR(length=36),
               nullable=False)
        batch_op.drop_column('stay_reasons')
        batch_op.drop_column('barrier')
        batch_op.drop_column('crisis')
        batch_op.drop_column('relapse')
        batch_op.drop_column('side_effects')
        batch_op.drop_column('medication_adherence')
        batch_op.drop_column('in_treatment')
        batch_op.drop_column('client_id')

    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_consent_given_by_known'), type_='check')
        batch_op.drop_column('given_by')

    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_column('at_risk')

    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_record_case_manager_id'))

    op.drop_table('case_record')
