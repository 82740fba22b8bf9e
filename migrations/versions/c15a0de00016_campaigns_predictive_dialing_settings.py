"""campaigns: predictive dialing's queue, abandon cap and abandon sound

Revision ID: c15a0de00016
Revises: d14c0de00014
Create Date: 2026-12-02 09:40:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c15a0de00016"
down_revision = "d14c0de00014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("dial_queue", sa.String(length=64), server_default="support", nullable=False)
        )
        batch_op.add_column(
            sa.Column("abandon_cap_pct", sa.Float(), server_default=sa.text("3.0"), nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "abandon_sound",
                sa.String(length=120),
                server_default="dialer-abandoned",
                nullable=False,
            )
        )


def downgrade():
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("abandon_sound")
        batch_op.drop_column("abandon_cap_pct")
        batch_op.drop_column("dial_queue")
