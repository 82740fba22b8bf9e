"""agent sessions: when a vanished agent's held lead went back to the campaign

Revision ID: 7f3b1d2e9a10
Revises: b3e8f4a1c920
Create Date: 2026-12-02 02:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7f3b1d2e9a10'
down_revision = "b3e8f4a1c920"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agent_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lead_released_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('agent_sessions', schema=None) as batch_op:
        batch_op.drop_column('lead_released_at')
