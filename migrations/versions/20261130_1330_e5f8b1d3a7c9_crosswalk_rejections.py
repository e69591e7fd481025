"""crosswalk rejections: a category people rejected for a service is not inferred again

Revision ID: e5f8b1d3a7c9
Revises: d4e7a9c2f1b6
Create Date: 2026-11-30 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5f8b1d3a7c9'
down_revision = 'd4e7a9c2f1b6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('crosswalk_rejection',
    sa.Column('service_id', sa.String(length=36), nullable=False),
    sa.Column('taxonomy_term_id', sa.String(length=36), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('rejected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_crosswalk_rejection_service_id_service'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['taxonomy_term_id'], ['taxonomy_term.id'], name=op.f('fk_crosswalk_rejection_taxonomy_term_id_taxonomy_term'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crosswalk_rejection')),
    sa.UniqueConstraint('service_id', 'taxonomy_term_id', name=op.f('uq_crosswalk_rejection_service_id'))
    )
    with op.batch_alter_table('crosswalk_rejection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crosswalk_rejection_service_id'), ['service_id'], unique=False)


def downgrade():
    with op.batch_alter_table('crosswalk_rejection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crosswalk_rejection_service_id'))
    op.drop_table('crosswalk_rejection')
