"""dial modes: progressive countdown, answering-machine detection, abandon message

campaigns: progressive_countdown_s, amd_enabled, amd_action;
calls: amd_status; agent_sessions: autodial_at (the progressive countdown's end).

Revision ID: b15a0de00015
Revises: 8e4c2a6b5d21
Create Date: 2026-12-02 09:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b15a0de00015'
down_revision = '8e4c2a6b5d21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('progressive_countdown_s', sa.Integer(), nullable=False, server_default='5')
        )
        batch_op.add_column(
            sa.Column('amd_enabled', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column('amd_action', sa.String(length=16), nullable=False, server_default='hangup')
        )
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('amd_status', sa.String(length=16), nullable=True))
    with op.batch_alter_table('agent_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('autodial_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('agent_sessions', schema=None) as batch_op:
        batch_op.drop_column('autodial_at')
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_column('amd_status')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('amd_action')
        batch_op.drop_column('amd_enabled')
        batch_op.drop_column('progressive_countdown_s')
