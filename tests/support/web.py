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
