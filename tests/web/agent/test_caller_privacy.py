"""An agent sees a caller's history and notes only on (or just after) their call with them,
and each view is logged (issue 13, item 11)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from dialer.extensions import db
from dialer.models import AuditEntry
from tests.factories.calls import QueueCallScript, answered_call
from tests.factories.people import make_extension, make_user
from tests.support.web import csrf_token, login

NUMBER = "0912345678"


@pytest.fixture
def agents(app: Flask) -> None:
    with app.app_context():
        make_extension(db.session, "1001")
        make_extension(db.session, "1002")
        make_user(db.session, "agent1", password="pw")
        make_user(db.session, "agent2", password="pw")
        db.session.commit()


def _signed_in(app: Flask, username: str, extension: str) -> tuple[FlaskClient, dict]:
    client = app.test_client()
    assert login(client, username, "pw", extension).status_code == 302
    return client, {"X-CSRFToken": csrf_token(client, "/history/")}


def _views(app: Flask) -> list[tuple[str, dict]]:
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "caller.viewed"))
        return [(entry.detail["what"], entry.detail["number"]) for entry in entries]


def test_a_number_called_once_long_ago_opens_nothing_of_another_agents(app, agents):
    now = datetime.now(UTC).replace(microsecond=0)
    agent1, headers1 = _signed_in(app, "agent1", "1001")
    agent2, headers2 = _signed_in(app, "agent2", "1002")
    with app.app_context():
        old_call = answered_call(db.session, NUMBER, "1001", now - timedelta(hours=2)).id
        their_call = answered_call(db.session, NUMBER, "1002", now - timedelta(minutes=3)).id
        db.session.commit()
    saved = agent2.put(
        f"/api/calls/{their_call}/xcm",
        json={"category": "complaint", "note": "Khách phàn nàn về hoá đơn"},
        headers=headers2 | {"Idempotency-Key": "k"},
    )
    assert saved.status_code == 201
    contact = agent2.post("/api/contacts", json={"number": NUMBER, "name": "Lan"}, headers=headers2)
    contact_id = contact.get_json()["id"]

    for url in (
        f"/api/calls/{their_call}/xcm",
        f"/api/contacts/by-number/{NUMBER}",
        f"/api/contacts/by-number/{NUMBER}/calls",
        f"/api/contacts/{contact_id}/calls",
        f"/inbound/calls/{their_call}",
    ):
        assert agent1.get(url).status_code == 404, url
    edit = agent1.put(f"/api/contacts/{contact_id}", json={"name": "x"}, headers=headers1)
    assert edit.status_code == 404
    own_page = agent1.get(f"/inbound/calls/{old_call}").get_data(as_text=True)
    assert "Lan" not in own_page and "phàn nàn" not in own_page


def test_on_the_call_the_agent_sees_the_callers_history_and_each_view_is_logged(app, agents):
    now = datetime.now(UTC).replace(microsecond=0)
    agent1, _headers1 = _signed_in(app, "agent1", "1001")
    agent2, headers2 = _signed_in(app, "agent2", "1002")
    with app.app_context():
        their_call = answered_call(db.session, NUMBER, "1002", now - timedelta(hours=1)).id
        db.session.commit()
    agent2.put(
        f"/api/calls/{their_call}/xcm",
        json={"category": "complaint", "note": "Khách phàn nàn về hoá đơn"},
        headers=headers2 | {"Idempotency-Key": "k"},
    )
    with app.app_context():
        script = QueueCallScript(db.session, NUMBER, now - timedelta(seconds=30))
        script.join()
        script.offer("1001")
        script.connect("1001")
        db.session.commit()
    note = agent1.get(f"/api/calls/{their_call}/xcm")
    assert note.status_code == 200 and note.get_json()["note"] == "Khách phàn nàn về hoá đơn"
    rows = agent1.get(f"/api/contacts/by-number/{NUMBER}/calls").get_json()["rows"]
    assert their_call in [row["call_id"] for row in rows]
    assert _views(app) == [("xcm", "+84912345678"), ("history", "+84912345678")]
