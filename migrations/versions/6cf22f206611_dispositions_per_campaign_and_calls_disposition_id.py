"""dispositions: the manager's per-campaign list, and calls.disposition_id the agent chose

Revision ID: 6cf22f206611
Revises: a7d31c0e9b52
Create Date: 2026-12-02 03:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6cf22f206611'
down_revision = 'a7d31c0e9b52'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dispositions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('name_vi', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('is_enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_dispositions_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispositions')),
    sa.UniqueConstraint('campaign_id', 'name', name=op.f('uq_dispositions_campaign_id_name'))
    )
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disposition_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_calls_disposition_id_dispositions'), 'dispositions', ['disposition_id'], ['id'])


def downgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_calls_disposition_id_dispositions'), type_='foreignkey')
        batch_op.drop_column('disposition_id')
    op.drop_table('dispositions')
