"""desk: the agent's remembered campaign, the ring-no-answer limit, custom fields' order

Revision ID: d14c0de00014
Revises: e5d1a0de0005
Create Date: 2026-12-02 09:40:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = 'd14c0de00014'
down_revision = 'e5d1a0de0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaign_agents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chosen_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('ring_no_answer_limit', sa.Integer(), nullable=False, server_default='2')
        )
    with op.batch_alter_table('lead_imports', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'custom_order',
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
                nullable=False, server_default='[]')
        )


def downgrade():
    with op.batch_alter_table('lead_imports', schema=None) as batch_op:
        batch_op.drop_column('custom_order')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('ring_no_answer_limit')
    with op.batch_alter_table('campaign_agents', schema=None) as batch_op:
        batch_op.drop_column('chosen_at')
