"""users: email, how the helpdesk knows the agent (Zendesk's in-app display)

Revision ID: e5d1a0de0005
Revises: a10c0de00010
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5d1a0de0005'
down_revision = 'a10c0de00010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('email', sa.String(length=255), nullable=False, server_default='')
        )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email')
