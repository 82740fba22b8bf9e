"""callbacks: leads booked to be called back at a time agreed with the customer

Revision ID: b3e8f4a1c920
Revises: 6cf22f206611
Create Date: 2026-12-02 03:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3e8f4a1c920'
down_revision = '6cf22f206611'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('callbacks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('booked_by_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('is_done', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['booked_by_id'], ['users.id'], name=op.f('fk_callbacks_booked_by_id_users')),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_callbacks_call_id_calls'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_callbacks_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_callbacks_lead_id_leads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_callbacks_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callbacks'))
    )
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.create_index('ix_callbacks_campaign_id_is_done_due_at', ['campaign_id', 'is_done', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_callbacks_lead_id'), ['lead_id'], unique=False)
        batch_op.create_index('ix_callbacks_owner_id_due_at', ['owner_id', 'due_at'], unique=False)


def downgrade():
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.drop_index('ix_callbacks_owner_id_due_at')
        batch_op.drop_index(batch_op.f('ix_callbacks_lead_id'))
        batch_op.drop_index('ix_callbacks_campaign_id_is_done_due_at')
    op.drop_table('callbacks')
