"""Helpers for tests that use the app over HTTP: CSRF tokens, signing in, placing calls by API."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from dialer.extensions import db
from dialer.models import Role
from tests.factories.people import AGENT_PASSWORD, make_user
from tests.support.waiting import wait_until


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token a real browser would find on ``path``."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def page_csrf(client: FlaskClient, path: str = "/agent/") -> str:
    """The CSRF token the desktop page carries (as desktop.js sends it)."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(
    client: FlaskClient, username: str, password: str, extension: str = "", **extra: str
) -> TestResponse:
    """Post the login form as a browser would (with its CSRF token)."""
    data = {
        "csrf_token": csrf_token(client),
        "username": username,
        "password": password,
        "extension": extension,
        **extra,
    }
    return client.post("/login", data=data)


def signed_in_manager(app: Flask, client: FlaskClient, username: str = "boss") -> FlaskClient:
    """A manager account, signed in on ``client``."""
    with app.app_context():
        make_user(db.session, username, role=Role.MANAGER, password="pw")
        db.session.commit()
    login(client, username, "pw")
    return client


def api_login(client: FlaskClient, username: str = "agent1", extension: str = "1001") -> dict:
    """Sign in through POST /api/session; the response body (with the token)."""
    response = client.post(
        "/api/session",
        json={"agent_id": username, "password": AGENT_PASSWORD, "extension": extension},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def bearer(token: str) -> dict[str, str]:
    """The Authorization header of an API token."""
    return {"Authorization": f"Bearer {token}"}


def call_in_state(
    client: FlaskClient, headers: dict[str, str], call_id: int, state: str, timeout: float = 10.0
) -> dict:
    """The call as its API resource shows it once it is in ``state`` (polled, bounded)."""

    def found() -> dict | None:
        call = client.get(f"/api/calls/{call_id}", headers=headers).get_json()["call"]
        return call if call["state"] == state else None

    return wait_until(found, timeout=timeout, message=f"call {call_id} to be {state}")


def wait_until_ended(
    client: FlaskClient, headers: dict[str, str], call_id: int, timeout: float = 20.0
) -> dict:
    """The call once it has ended."""
    return call_in_state(client, headers, call_id, "ended", timeout)


def place(client: FlaskClient, headers: dict[str, str], number: str) -> int:
    """Place a call to ``number`` through POST /api/calls; its id."""
    response = client.post("/api/calls", json={"number": number}, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["call"]["id"]


def openapi_document(app: Flask) -> dict:
    """The API description as a signed-in user reads it (it is not public)."""
    from dialer.extensions import db
    from dialer.models import Role, User
    from tests.factories.people import make_user

    with app.app_context():
        if db.session.query(User).filter_by(username="api-reader").first() is None:
            make_user(db.session, "api-reader", role=Role.MANAGER, password="pw")
            db.session.commit()
    client = app.test_client()
    login(client, "api-reader", "pw")
    response = client.get("/api/openapi.json")
    assert response.status_code == 200, response.status_code
    return response.get_json()
