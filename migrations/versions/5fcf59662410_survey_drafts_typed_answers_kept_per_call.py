"""survey drafts: the answers typed so far, kept per call until the survey is saved

Revision ID: 5fcf59662410
Revises: f2a19eec566c
Create Date: 2026-12-02 02:44:54.715539

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '5fcf59662410'
down_revision = "f2a19eec566c"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('survey_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['users.id'], name=op.f('fk_survey_drafts_agent_id_users')),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_survey_drafts_call_id_calls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_drafts')),
    sa.UniqueConstraint('call_id', name=op.f('uq_survey_drafts_call_id'))
    )


def downgrade():
    op.drop_table('survey_drafts')
