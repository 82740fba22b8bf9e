"""The inbound JSON API over HTTP: contacts, Report XCM once, phone history, who may see what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from dialer.extensions import db
from dialer.models import Contact, Role, XcmReport
from tests.factories.calls import answered_call
from tests.factories.people import make_extension, make_user
from tests.support.web import csrf_token, login, openapi_document

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


@pytest.fixture
def people(app: Flask) -> dict[str, int]:
    """Two agents (1001, 1002) and a supervisor; agent1 has had calls with 0912345678."""
    with app.app_context():
        make_extension(db.session, "1001")
        make_extension(db.session, "1002")
        agent1 = make_user(db.session, "agent1", password="pw")
        agent2 = make_user(db.session, "agent2", password="pw")
        boss = make_user(db.session, "boss", role=Role.SUPERVISOR, password="pw")
        db.session.commit()
        return {"agent1": agent1.id, "agent2": agent2.id, "boss": boss.id}


def _recent_start(count: int) -> datetime:
    """When to start ``count`` calls a minute apart so the last one ended a moment ago
    (the caller's history stays open to the agent only just after their call)."""
    return datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=count + 2)


def _calls_of_agent1(app: Flask, count: int = 1) -> list[int]:
    """Calls answered by agent1 on 1001 (agent1 must be signed in on 1001), just ended."""
    start = _recent_start(count)
    with app.app_context():
        ids = [
            answered_call(db.session, "0912345678", "1001", start + timedelta(minutes=i)).id
            for i in range(count)
        ]
        db.session.commit()
        return ids


def _signed_in(app: Flask, username: str, extension: str = "") -> tuple[FlaskClient, dict]:
    client = app.test_client()
    response = login(client, username, "pw", extension)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client, {"X-CSRFToken": csrf_token(client, "/history/")}


def test_the_first_save_creates_the_contact_then_edits_update_it(app, people):
    agent, headers = _signed_in(app, "agent1", "1001")
    (call_id,) = _calls_of_agent1(app)
    found = agent.get("/api/contacts/by-number/0912345678").get_json()
    assert found == {"number": "+84912345678", "contact": None}
    body = {"number": "0912345678", "call_id": call_id, "name": "Chị Lan", "is_vip": True}
    created = agent.post("/api/contacts", json=body, headers=headers)
    assert created.status_code == 201 and created.get_json()["is_vip"] is True
    contact_id = created.get_json()["id"]
    update = {"name": "Chị Lan Anh", "email": "lan@example.vn", "is_vip": True}
    updated = agent.put(f"/api/contacts/{contact_id}", json=update, headers=headers)
    assert updated.status_code == 200 and updated.get_json()["name"] == "Chị Lan Anh"
    for shape in ("%2B84912345678", "84912345678", "912345678"):
        assert (
            agent.get(f"/api/contacts/by-number/{shape}").get_json()["contact"]["id"] == contact_id
        )


def test_a_bad_contact_gets_field_messages_and_loses_nothing(app, people):
    agent, headers = _signed_in(app, "agent1", "1001")
    _calls_of_agent1(app)
    with app.app_context():
        contact = Contact(phone="+84912345678", name="Chị Lan", email="lan@example.vn")
        db.session.add(contact)
        db.session.commit()
        contact_id = contact.id
    bad = {"name": "Chị Lan", "email": "lan at example"}
    refused = agent.put(f"/api/contacts/{contact_id}", json=bad, headers=headers)
    assert refused.status_code == 422
    assert refused.get_json()["code"] == "invalid" and "email" in refused.get_json()["errors"]
    not_json = agent.put(f"/api/contacts/{contact_id}", data="name=x", headers=headers)
    assert not_json.status_code == 415 and not_json.get_json()["code"] == "json_required"
    with app.app_context():
        assert db.session.get(Contact, contact_id).email == "lan@example.vn"


def test_report_xcm_saves_once_per_key_and_once_per_call(app, people):
    agent, headers = _signed_in(app, "agent1", "1001")
    (call_id,) = _calls_of_agent1(app)
    body = {"category": "complaint", "note": "Khách phàn nàn mạng chậm"}
    url = f"/api/calls/{call_id}/xcm"
    first = agent.put(url, json=body, headers=headers | {"Idempotency-Key": "click-1"})
    again = agent.put(url, json=body, headers=headers | {"Idempotency-Key": "click-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]
    other_key = agent.put(url, json=body, headers=headers | {"Idempotency-Key": "click-2"})
    assert other_key.status_code == 409 and other_key.get_json()["code"] == "xcm_already_saved"
    no_key = agent.put(url, json=body, headers=headers)
    assert no_key.status_code == 400 and no_key.get_json()["code"] == "bad_idempotency_key"
    shown = agent.get(url).get_json()
    assert shown["note"] == "Khách phàn nàn mạng chậm" and shown["category_label"] == "Complaint"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(XcmReport)) == 1


def test_an_incomplete_report_is_refused_with_messages_and_can_be_sent_again(app, people):
    agent, headers = _signed_in(app, "agent1", "1001")
    (call_id,) = _calls_of_agent1(app)
    url, key = f"/api/calls/{call_id}/xcm", headers | {"Idempotency-Key": "k"}
    refused = agent.put(url, json={"category": "", "note": ""}, headers=key)
    assert refused.status_code == 422
    assert set(refused.get_json()["errors"]) == {"category", "note"}
    fixed = agent.put(url, json={"category": "other", "note": "ok"}, headers=key)
    assert fixed.status_code == 201


def test_phone_history_pages_with_get_more(app, people):
    agent, _headers = _signed_in(app, "agent1", "1001")
    _calls_of_agent1(app, count=13)
    first = agent.get("/api/contacts/by-number/0912345678/calls").get_json()
    more = agent.get("/api/contacts/by-number/0912345678/calls?page=2").get_json()
    assert (len(first["rows"]), first["has_more"]) == (10, True)
    assert (len(more["rows"]), more["has_more"]) == (3, False)
    assert first["rows"][0]["at"] > first["rows"][-1]["at"] > more["rows"][0]["at"]
    assert first["rows"][0]["agent_name"] == "Agent1"
    bad = agent.get("/api/contacts/by-number/0912345678/calls?page=zero")
    assert bad.status_code == 400 and bad.get_json()["code"] == "bad_page"


def test_another_agent_gets_nothing_of_my_calls_contacts_or_reports(app, people):
    agent, headers = _signed_in(app, "agent1", "1001")
    (call_id,) = _calls_of_agent1(app)
    agent.put(
        f"/api/calls/{call_id}/xcm",
        json={"category": "other", "note": "riêng tư"},
        headers=headers | {"Idempotency-Key": "k"},
    )
    created = agent.post(
        "/api/contacts", json={"number": "0912345678", "name": "Lan"}, headers=headers
    )
    contact_id = created.get_json()["id"]

    other, other_headers = _signed_in(app, "agent2", "1002")
    for url in (
        f"/api/calls/{call_id}",
        f"/api/calls/{call_id}/xcm",
        "/api/contacts/by-number/0912345678",
        "/api/contacts/by-number/0912345678/calls",
        f"/api/contacts/{contact_id}/calls",
        f"/inbound/calls/{call_id}",
    ):
        assert other.get(url).status_code == 404, url
    assert other.get(f"/api/history?agent_id={people['agent1']}").status_code == 403
    assert other.get(f"/history/?agent_id={people['agent1']}").status_code == 403
    assert other.get(f"/api/activity?agent_id={people['agent1']}").status_code == 403
    attempts = [
        other.put(f"/api/contacts/{contact_id}", json={"name": "x"}, headers=other_headers),
        other.put(
            f"/api/calls/{call_id}/xcm",
            json={"category": "other", "note": "x"},
            headers=other_headers | {"Idempotency-Key": "k2"},
        ),
        other.post("/api/contacts", json={"number": "0912345678"}, headers=other_headers),
    ]
    assert [r.status_code for r in attempts] == [404, 404, 404]
    assert other.get("/api/history").get_json()["rows"] == []

    boss, _ = _signed_in(app, "boss")
    assert boss.get(f"/api/calls/{call_id}/xcm").get_json()["note"] == "riêng tư"
    assert boss.get(f"/inbound/calls/{call_id}").status_code == 200


def test_writes_need_the_csrf_token_of_the_session(app, people):
    agent, _headers = _signed_in(app, "agent1", "1001")
    (call_id,) = _calls_of_agent1(app)
    response = agent.put(
        f"/api/calls/{call_id}/xcm",
        json={"category": "other", "note": "x"},
        headers={"Idempotency-Key": "k"},
    )
    assert response.status_code == 400 and response.get_json()["code"] == "csrf_failed"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(XcmReport)) == 0


def test_a_bearer_token_needs_no_csrf_token(app, people):
    client = app.test_client()
    session = {"agent_id": "agent1", "password": "pw", "extension": "1001"}
    token = client.post("/api/session", json=session).get_json()["token"]
    (call_id,) = _calls_of_agent1(app)
    api = app.test_client()  # no cookie: the token alone
    auth = {"Authorization": f"Bearer {token}", "Idempotency-Key": "k"}
    saved = api.put(
        f"/api/calls/{call_id}/xcm", json={"category": "sales", "note": "x"}, headers=auth
    )
    assert saved.status_code == 201
    local_day = _recent_start(1).astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    day = api.get(f"/api/history?date={local_day}", headers=auth).get_json()
    assert day["totals"]["total"] == 1


def test_every_inbound_endpoint_is_in_the_openapi_document(app, client):
    document = openapi_document(app)
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    routes = {
        (rule.rule.replace("<path:", "{").replace("<int:", "{").replace(">", "}"), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api_inbound.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert len(routes) == 10 and routes <= documented, routes - documented


def test_signed_out_users_get_json_401(client):
    response = client.get("/api/history")
    assert response.status_code == 401 and response.get_json()["code"] == "unauthenticated"
