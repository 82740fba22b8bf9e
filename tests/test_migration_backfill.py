"""The counters and answer cells migration fills both from the rows already there, keeping them."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from dialer.domain.campaigns.answers import answer_cells
from dialer.domain.reports import counters
from dialer.extensions import db
from tests.test_migrations import fresh_app  # noqa: F401 (the fixture)

BEFORE = "8e4c2a6b5d21"
T0 = "2026-11-24 03:15:00.000000"  # UTC, as both databases read it (SQLite keeps no zone)
ANSWERS = {1: ["Email", "Điện thoại"], 2: True, 3: 4, 4: "=1+2"}

ROWS = [
    "INSERT INTO users (id, username, display_name, role, password_hash, is_active_user, "
    f"session_version, created_at) VALUES (1, 'a', 'A', 'agent', '!', true, 1, '{T0}')",
    f"INSERT INTO surveys (id, version, name, description, is_current, created_at) "
    f"VALUES (1, 1, 's', '', true, '{T0}')",
    "INSERT INTO campaigns (id, name, description, status, caller_id, timezone, call_days, "
    "call_start, call_end, max_attempts, retry_minutes, dial_mode, survey_id, created_at, "
    "updated_at) VALUES (1, 'c', '', 'running', '+842873001234', 'Asia/Ho_Chi_Minh', '1234567', "
    f"'08:00', '20:00', 3, '{{}}', 'preview', 1, '{T0}', '{T0}')",
    *(
        "INSERT INTO leads (id, campaign_id, phone, phone_raw, first_name, last_name, email, "
        f"custom, status, attempts, created_at) VALUES ({i}, 1, '+8491234567{i}', '0', '', '', "
        f"'', '{{}}', '{status}', {attempts}, '{T0}')"
        for i, status, attempts in [
            (1, "done", 1),
            (2, "retry", 2),
            (3, "new", 0),
            (4, "removed", 1),
        ]
    ),
    *(
        "INSERT INTO calls (id, call_uid, direction, campaign_id, lead_id, customer_number, "
        f"state, status, created_at, is_vip, ended_estimated, wait_s, talk_s, hangup_cause_text) "
        f"VALUES ({i}, 'u{i}', 'outbound', 1, {i}, '+84912345670', 'ended', '{status}', '{at}', "
        "false, false, 0, 0, '')"
        for i, status, at in [
            (1, "ANSWER", T0),
            (2, "BUSY", T0),
            (3, "BUSY", "2026-11-24 05:00:00.000000"),
        ]
    ),
    *(
        f"INSERT INTO survey_questions (id, survey_id, position, kind, text, options, "
        f"is_required) VALUES ({q}, 1, {q}, 'text', 'q{q}', '[]', false)"
        for q in ANSWERS
    ),
    "INSERT INTO survey_responses (id, survey_id, campaign_id, lead_id, call_id, agent_id, "
    f"idempotency_key, created_at) VALUES (1, 1, 1, 1, 1, 1, 'k', '{T0}')",
]


def test_the_migration_backfills_counters_and_answer_cells_and_loses_nothing(fresh_app) -> None:  # noqa: F811
    upgrade(revision=BEFORE)
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SET LOCAL TimeZone = 'UTC'"))
        for statement in ROWS:
            connection.execute(sa.text(statement))
        for question, value in ANSWERS.items():
            connection.execute(
                sa.text(
                    "INSERT INTO survey_answers (response_id, question_id, value) "
                    "VALUES (1, :q, :v)"
                ),  # fmt: skip
                {"q": question, "v": json.dumps(value, ensure_ascii=False)},
            )
    upgrade()
    assert counters.counters(db.session, 1) == {
        "leads": 3,  # the removed one is not counted
        "leads_dialled": 2,
        "lead_attempts": 3,
        "leads:done": 1,
        "leads:waiting": 2,
        "leads:removed": 1,
        "calls:ANSWER": 1,
        "calls:BUSY": 2,
        "surveys": 1,
    }
    hours = counters.hourly_calls(db.session, 1, *_day_bounds())
    assert sorted(hours.values()) == [1, 2]
    cells = db.session.execute(sa.text("SELECT answer_cells FROM survey_responses")).scalar()
    assert (json.loads(cells) if isinstance(cells, str) else cells) == answer_cells(ANSWERS)
    db.session.rollback()
    downgrade(revision=BEFORE)  # and back: the answers stay where they were
    upgrade()
    assert db.session.execute(sa.text("SELECT count(*) FROM survey_answers")).scalar() == 4


def _day_bounds():  # noqa: ANN202
    from datetime import UTC, datetime

    return datetime(2026, 11, 24, tzinfo=UTC), datetime(2026, 11, 25, tzinfo=UTC)
