"""campaign counters and survey answer cells: a campaign's running totals and calls per hour,
and each survey response's answers as one JSON object, all backfilled from the rows

Revision ID: a10c0de00010
Revises: b15a0de00015
Create Date: 2026-12-02 10:20:00.000000

"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = "a10c0de00010"
down_revision = "b15a0de00015"
branch_labels = None
depends_on = None

# The backfill: the same totals as dialer.domain.reports.counters.recount, in SQL.
_LEADS = """
INSERT INTO campaign_counters (campaign_id, name, value)
SELECT campaign_id, name, sum(value) FROM (
    SELECT campaign_id, 'leads:' || CASE WHEN status IN ('new', 'retry') THEN 'waiting'
                                       ELSE status END AS name, count(*) AS value
    FROM leads GROUP BY campaign_id, status
    UNION ALL
    SELECT campaign_id, 'leads', count(*) FROM leads WHERE status <> 'removed'
    GROUP BY campaign_id
    UNION ALL
    SELECT campaign_id, 'leads_dialled', count(*) FROM leads
    WHERE status <> 'removed' AND attempts > 0 GROUP BY campaign_id
    UNION ALL
    SELECT campaign_id, 'lead_attempts', sum(attempts) FROM leads WHERE status <> 'removed'
    GROUP BY campaign_id
    UNION ALL
    SELECT campaign_id, 'calls:' || status, count(*) FROM calls
    WHERE campaign_id IS NOT NULL AND status IS NOT NULL GROUP BY campaign_id, status
    UNION ALL
    SELECT campaign_id, 'surveys', count(*) FROM survey_responses
    WHERE campaign_id IS NOT NULL GROUP BY campaign_id
) AS totals GROUP BY campaign_id, name
"""
_HOURS = """
INSERT INTO campaign_call_hours (campaign_id, hour, calls)
SELECT campaign_id, {hour}, count(*) FROM calls WHERE campaign_id IS NOT NULL
GROUP BY campaign_id, {hour}
"""
# Each response's answers as the exports write them: choices joined with "; ".
_CELLS = {
    "postgresql": """
        UPDATE survey_responses r SET answer_cells = a.cells
        FROM (SELECT response_id, jsonb_object_agg(question_id::text, CASE
                  WHEN jsonb_typeof(value) = 'array' THEN to_jsonb(array_to_string(
                      ARRAY(SELECT jsonb_array_elements_text(value)), '; '))
                  ELSE value END) AS cells
              FROM survey_answers GROUP BY response_id) a
        WHERE a.response_id = r.id
    """,
    "sqlite": """
        UPDATE survey_responses SET answer_cells = (
            SELECT json_group_object(CAST(a.question_id AS TEXT), CASE
                WHEN json_type(a.value) = 'array'
                THEN (SELECT group_concat(j.value, '; ') FROM json_each(a.value) j)
                ELSE json(a.value) END)
            FROM survey_answers a WHERE a.response_id = survey_responses.id)
        WHERE EXISTS (SELECT 1 FROM survey_answers a WHERE a.response_id = survey_responses.id)
    """,
}
_HOUR = {
    "postgresql": "date_trunc('hour', created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
    "sqlite": "strftime('%Y-%m-%d %H:00:00.000000', created_at)",
}


def upgrade():
    op.create_table(
        "campaign_counters",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_counters_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "name", name=op.f("pk_campaign_counters")),
    )
    op.create_table(
        "campaign_call_hours",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_call_hours_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "hour", name=op.f("pk_campaign_call_hours")),
    )
    json_type = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')
    # A plain ADD COLUMN, not a batch: on SQLite a batch would copy survey_responses into a
    # new table and drop the old one, and the drop cascades to every survey answer.
    op.add_column(
        'survey_responses',
        sa.Column('answer_cells', json_type, nullable=False, server_default=sa.text("'{}'")),
    )
    bind = op.get_bind()
    op.execute(_CELLS.get(bind.dialect.name, _CELLS["sqlite"]))
    op.execute(_LEADS)
    op.execute(_HOURS.format(hour=_HOUR.get(bind.dialect.name, _HOUR["sqlite"])))


def downgrade():
    # Not a batch either (see upgrade): SQLite drops a column in place since 3.35.
    op.execute('ALTER TABLE survey_responses DROP COLUMN answer_cells')
    op.drop_table("campaign_call_hours")
    op.drop_table("campaign_counters")
