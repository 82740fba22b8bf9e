"""recordings: per-campaign and per-queue setting, deletion kept on the call

Revision ID: f2a19eec566c
Revises: 2fdb56140dfa
Create Date: 2026-12-02 02:24:50.919266

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f2a19eec566c'
down_revision = '2fdb56140dfa'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recording_deleted_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record_calls', sa.Boolean(), server_default=sa.true(), nullable=False))

    with op.batch_alter_table('queues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record_calls', sa.Boolean(), server_default=sa.true(), nullable=False))



def downgrade():
    with op.batch_alter_table('queues', schema=None) as batch_op:
        batch_op.drop_column('record_calls')

    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('record_calls')

    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_column('recording_deleted_at')

