"""Sign in with agent id, password and extension; sign out for real (A1, A5)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from dialer.extensions import db
from dialer.models import ActivityKind, AgentActivity, AgentSession, Role
from tests.factories.people import make_extension, make_user
from tests.support.web import csrf_token, login


def _people(app: Flask) -> None:
    with app.app_context():
        make_user(db.session, "agent1", password="agent-pass", extension="1001")
        make_user(db.session, "boss", role=Role.MANAGER, password="boss-pass")
        make_extension(db.session, "1002")
        db.session.commit()


def test_agent_signs_in_with_extension_and_lands_on_the_desktop(app, client) -> None:
    _people(app)
    response = login(client, "agent1", "agent-pass", "1001")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/")
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert 'data-testid="agent-bar"' in page
    assert ">1001<" in page
    with app.app_context():
        session = db.session.scalar(select(AgentSession))
        assert session.state == "ready" and session.extension.number == "1001"
        kinds = db.session.scalars(select(AgentActivity.kind)).all()
        assert kinds == [ActivityKind.LOGIN]


def test_wrong_password_and_unknown_agent_get_the_same_message(app, client) -> None:
    _people(app)
    wrong = login(client, "agent1", "nope", "1001")
    unknown = login(client, "ghost", "nope", "1001")
    assert wrong.status_code == unknown.status_code == 401
    message = "Wrong agent id or password."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)


def test_an_agent_needs_a_real_free_extension(app, client) -> None:
    _people(app)
    assert "Enter your extension." in login(client, "agent1", "agent-pass", "").get_data(
        as_text=True
    )
    assert "This extension does not exist." in login(
        client, "agent1", "agent-pass", "9999"
    ).get_data(as_text=True)
    with app.app_context():
        make_user(db.session, "agent2", password="p2", extension="1002")
        db.session.commit()
    assert login(client, "agent1", "agent-pass", "1001").status_code == 302
    other = app.test_client()
    taken = login(other, "agent2", "p2", "1001")
    assert "Another agent is signed in on this extension." in taken.get_data(as_text=True)


def test_a_manager_signs_in_without_extension(app, client) -> None:
    _people(app)
    response = login(client, "boss", "boss-pass")
    assert response.status_code == 302
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "Campaigns" in page


def test_sign_in_is_throttled_after_repeated_failures(app, client) -> None:
    _people(app)
    for _ in range(app.config["DIALER_LOGIN_MAX_FAILURES"]):
        assert login(client, "agent1", "bad", "1001").status_code == 401
    locked = login(client, "agent1", "agent-pass", "1001")
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.get_data(as_text=True)


def test_no_open_redirect_after_sign_in(app, client) -> None:
    _people(app)
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = login(client, "boss", "boss-pass", next=target)
        assert response.headers["Location"] in ("/", "http://localhost/")
        client.post("/logout", data={"csrf_token": csrf_token(client, "/manager/")})
    response = login(client, "boss", "boss-pass", next="/manager/")
    assert response.headers["Location"].endswith("/manager/")


def test_a_cookie_replayed_after_sign_out_is_refused(app, client) -> None:
    _people(app)
    login(client, "boss", "boss-pass")
    assert client.get("/manager/").status_code == 200
    stolen = client.get_cookie("session").value
    client.post("/logout", data={"csrf_token": csrf_token(client, "/manager/")})
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    response = replay.get("/manager/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_agent_sign_out_is_logged_and_ends_the_agent_session(app, client) -> None:
    _people(app)
    login(client, "agent1", "agent-pass", "1001")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/agent/")})
    with app.app_context():
        session = db.session.scalar(select(AgentSession))
        assert session.logout_at is not None and session.state == "logged_out"
        kinds = db.session.scalars(select(AgentActivity.kind).order_by(AgentActivity.id)).all()
        assert kinds == [ActivityKind.LOGIN, ActivityKind.LOGOUT]


def test_forms_without_a_csrf_token_are_refused(app, client: FlaskClient) -> None:
    _people(app)
    response = client.post(
        "/login", data={"username": "boss", "password": "boss-pass", "extension": ""}
    )
    assert response.status_code == 400  # refused before the password is even checked
    assert client.get("/manager/").status_code == 302
    login(client, "boss", "boss-pass")
    assert client.post("/logout").status_code == 400
    assert client.get("/manager/").status_code == 200


def test_signing_out_from_the_page_gives_back_the_held_lead(app, client) -> None:
    from dialer.models import Lead
    from tests.factories.desk import make_desk
    from tests.support.web import api_login

    desk = make_desk(app, leads=1)
    token = api_login(client)["token"]
    got = client.post(
        "/api/leads/next",
        json={"campaign_id": desk.campaign_id},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert got.status_code == 200, got.get_json()
    client.post("/logout", data={"csrf_token": csrf_token(client, "/agent/")})
    with app.app_context():
        lead = db.session.scalar(select(Lead))
        assert lead.claimed_by_id is None  # another agent can call it now
        session = db.session.scalar(select(AgentSession))
        assert session.logout_at is not None
