"""Bad input at the web edge gets a 4xx with a message, never a 500 (issue 13, item 9)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from dialer.extensions import db
from dialer.models import Contact, Role
from tests.factories.calls import answered_call
from tests.factories.people import make_extension, make_user
from tests.support.web import csrf_token, login


def _moments_ago() -> datetime:
    """A call start a few minutes back: its agent may still see the caller (read at test time)."""
    return datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=3)


HUGE_IDS = ["2147483648", "9223372036854775808", "99999999999999999999999999"]


@pytest.fixture
def people(app: Flask) -> None:
    with app.app_context():
        make_extension(db.session, "1001")
        make_user(db.session, "agent1", password="pw")
        make_user(db.session, "boss", role=Role.MANAGER, password="pw")
        make_user(db.session, "root", role=Role.ADMIN, password="pw")
        db.session.commit()


def _signed_in(app: Flask, username: str, extension: str = "") -> tuple[FlaskClient, dict]:
    client = app.test_client()
    response = login(client, username, "pw", extension)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client, {"X-CSRFToken": csrf_token(client, "/history/")}


@pytest.mark.parametrize("huge", HUGE_IDS)
def test_ids_too_large_for_the_database_are_not_found(app, people, huge):
    agent, headers = _signed_in(app, "agent1", "1001")
    for path in (f"/api/calls/{huge}/xcm", f"/api/contacts/{huge}/calls", f"/api/calls/{huge}"):
        response = agent.get(path)
        assert response.status_code == 404, path
        assert response.get_json()["message"]
    assert agent.get(f"/calls/{huge}").status_code == 404
    refused = agent.post("/api/calls", json={"lead_id": int(huge)}, headers=headers)
    assert refused.status_code == 422
    assert refused.get_json()["message"] == "lead_id must be a whole number."
    assert agent.get(f"/api/history?agent_id={huge}").status_code == 400
    assert agent.get(f"/api/history?page={huge}").status_code == 200


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "20261124"])
def test_dates_at_the_ends_of_the_calendar_are_refused_with_a_message(app, people, day):
    agent, _headers = _signed_in(app, "agent1", "1001")
    for path in ("/api/history", "/api/activity"):
        response = agent.get(f"{path}?date={day}")
        assert response.status_code == 400
        assert response.get_json() == {
            "code": "bad_date",
            "message": "Give a date from 1970-01-01 to 2999-12-31 as YYYY-MM-DD.",
        }
    page = agent.get(f"/history/?date={day}")
    assert page.status_code == 200
    assert "Give a date from 1970-01-01 to 2999-12-31" in page.get_data(as_text=True)


def test_json_nested_a_thousand_deep_is_refused(app, people):
    agent, headers = _signed_in(app, "agent1", "1001")
    for depth in (40, 1000, 100_000):
        body = '{"name": ' + "[" * depth + "]" * depth + "}"
        response = agent.post(
            "/api/contacts", data=body, content_type="application/json", headers=headers
        )
        assert response.status_code == 400, depth
        assert response.get_json() == {
            "code": "invalid_json",
            "message": "The request body is nested too deeply.",
        }


def test_a_lone_surrogate_is_refused_and_nothing_is_saved(app, people):
    agent, headers = _signed_in(app, "agent1", "1001")
    with app.app_context():
        call_id = answered_call(db.session, "0912345678", "1001", _moments_ago()).id
        db.session.commit()
    body = '{"number": "0912345678", "call_id": ' + str(call_id) + ', "name": "Lan \\ud800"}'
    response = agent.post(
        "/api/contacts", data=body, content_type="application/json", headers=headers
    )
    assert response.status_code == 400
    assert response.get_json()["message"] == (
        "The request body holds text that is not valid Unicode."
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contact)) == 0


def test_a_contact_name_given_as_a_list_is_refused_with_a_field_message(app, people):
    agent, headers = _signed_in(app, "agent1", "1001")
    with app.app_context():
        call_id = answered_call(db.session, "0912345678", "1001", _moments_ago()).id
        db.session.commit()
    body = {"number": "0912345678", "call_id": call_id, "name": ["Lan"], "notes": {"a": 1}}
    response = agent.post("/api/contacts", json=body, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "name": "Give this as text.",
        "notes": "Give this as text.",
    }
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contact)) == 0


@pytest.mark.parametrize("target", ["/history/\r\nSet-Cookie: x=1", "/history/\nx", "/\x7f"])
def test_a_next_address_with_control_characters_is_ignored(app, people, target):
    client = app.test_client()
    response = login(client, "boss", "pw", next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "x=1" not in response.headers.get("Set-Cookie", "")


def test_an_admin_opening_the_agent_desktop_is_sent_home_and_stays_signed_in(app, people):
    admin, _headers = _signed_in(app, "root")
    response = admin.get("/agent/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert admin.get("/").headers["Location"].endswith("/manager/")
