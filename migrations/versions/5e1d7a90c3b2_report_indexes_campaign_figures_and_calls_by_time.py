"""report indexes: a campaign's lead figures and calls per hour, every call by time

Revision ID: 5e1d7a90c3b2
Revises: 299e293ce410
Create Date: 2026-12-02 02:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5e1d7a90c3b2'
down_revision = "299e293ce410"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.create_index(
            'ix_leads_campaign_id_status_attempts', ['campaign_id', 'status', 'attempts'], unique=False
        )
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.create_index(
            'ix_calls_campaign_id_created_at', ['campaign_id', 'created_at'], unique=False
        )
        batch_op.create_index('ix_calls_created_at', ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_index('ix_calls_created_at')
        batch_op.drop_index('ix_calls_campaign_id_created_at')
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_index('ix_leads_campaign_id_status_attempts')
