"""Helpers for tests that use the app over HTTP."""

from __future__ import annotations

import re

from flask.testing import FlaskClient


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token a real browser would find on ``path``."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str, extension: str = "", **extra: str):  # noqa: ANN201
    """Post the login form as a browser would (with its CSRF token)."""
    data = {
        "csrf_token": csrf_token(client),
        "username": username,
        "password": password,
        "extension": extension,
        **extra,
    }
    return client.post("/login", data=data)


def openapi_document(app) -> dict:  # noqa: ANN001
    """The API description as a signed-in user reads it (it is not public)."""
    from dialer.extensions import db
    from dialer.models import Role, User
    from tests.factories import make_user

    with app.app_context():
        if db.session.query(User).filter_by(username="api-reader").first() is None:
            make_user(db.session, "api-reader", role=Role.MANAGER, password="pw")
            db.session.commit()
    client = app.test_client()
    login(client, "api-reader", "pw")
    response = client.get("/api/openapi.json")
    assert response.status_code == 200, response.status_code
    return response.get_json()
