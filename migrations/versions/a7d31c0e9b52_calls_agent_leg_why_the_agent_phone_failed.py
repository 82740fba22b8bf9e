"""calls.agent_leg: why the agent's own phone failed (no_answer, busy), told apart from the customer

Revision ID: a7d31c0e9b52
Revises: 5fcf59662410
Create Date: 2026-12-02 02:46:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'a7d31c0e9b52'
down_revision = '5fcf59662410'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agent_leg', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_column('agent_leg')
