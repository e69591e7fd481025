"""stored match profiles (results survive Back and reload; nothing in the cookie)

Revision ID: d4e7a9c2f1b6
Revises: c3d8e5f1a2b4
Create Date: 2026-11-30 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4e7a9c2f1b6'
down_revision = 'c3d8e5f1a2b4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('match_profile',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_match_profile_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_profile'))
    )
    with op.batch_alter_table('match_profile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_match_profile_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_match_profile_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('match_profile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_match_profile_user_id'))
        batch_op.drop_index(batch_op.f('ix_match_profile_expires_at'))

    op.drop_table('match_profile')
