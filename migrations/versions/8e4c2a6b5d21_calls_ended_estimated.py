"""calls: ended_estimated, the end is the last time the call was known up

Revision ID: 8e4c2a6b5d21
Revises: 7f3b1d2e9a10
Create Date: 2026-12-02 02:51:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8e4c2a6b5d21'
down_revision = '7f3b1d2e9a10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('ended_estimated', sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_column('ended_estimated')
