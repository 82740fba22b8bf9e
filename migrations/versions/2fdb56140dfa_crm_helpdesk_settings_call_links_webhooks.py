"""crm: helpdesk settings, call links, webhook deliveries

Revision ID: 2fdb56140dfa
Revises: 5e1d7a90c3b2
Create Date: 2026-12-02 02:04:18.665900

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '2fdb56140dfa'
down_revision = "5e1d7a90c3b2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('crm_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=16), nullable=False),
    sa.Column('base_url', sa.String(length=255), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=False),
    sa.Column('secret_encrypted', sa.Text(), nullable=False),
    sa.Column('popup', sa.String(length=16), nullable=False),
    sa.Column('contact_url_template', sa.String(length=500), nullable=False),
    sa.Column('call_url_template', sa.String(length=500), nullable=False),
    sa.Column('webhook_url', sa.String(length=500), nullable=False),
    sa.Column('webhook_secret_encrypted', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_settings'))
    )
    op.create_table('crm_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('choice', sa.String(length=8), nullable=False),
    sa.Column('idempotency_key', sa.String(length=80), nullable=False),
    sa.Column('provider', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('ticket_ref', sa.String(length=64), nullable=False),
    sa.Column('ticket_url', sa.String(length=500), nullable=False),
    sa.Column('contact_ref', sa.String(length=64), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['users.id'], name=op.f('fk_crm_links_agent_id_users')),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_crm_links_call_id_calls')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_links')),
    sa.UniqueConstraint('call_id', name=op.f('uq_crm_links_call_id')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_crm_links_idempotency_key'))
    )
    op.create_table('crm_webhook_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=24), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_crm_webhook_deliveries_call_id_calls')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_webhook_deliveries')),
    sa.UniqueConstraint('call_id', 'event', name=op.f('uq_crm_webhook_deliveries_call_id_event'))
    )
    with op.batch_alter_table('crm_webhook_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_webhook_deliveries_call_id'), ['call_id'], unique=False)

    op.create_table('crm_webhook_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['crm_webhook_deliveries.id'], name=op.f('fk_crm_webhook_attempts_delivery_id_crm_webhook_deliveries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_webhook_attempts'))
    )
    with op.batch_alter_table('crm_webhook_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_webhook_attempts_delivery_id'), ['delivery_id'], unique=False)



def downgrade():
    with op.batch_alter_table('crm_webhook_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_webhook_attempts_delivery_id'))

    op.drop_table('crm_webhook_attempts')
    with op.batch_alter_table('crm_webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_webhook_deliveries_call_id'))

    op.drop_table('crm_webhook_deliveries')
    op.drop_table('crm_links')
    op.drop_table('crm_settings')
