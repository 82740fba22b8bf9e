"""An overloaded process answers 503 with a plain message, never a 500."""

from __future__ import annotations

from flask import Flask

from dialer import create_app
from dialer.extensions import db
from tests.factories.desk import make_desk
from tests.support.web import api_login, bearer


def test_no_free_database_connection_is_a_503_busy_not_a_500(app: Flask) -> None:
    desk = make_desk(app)
    tight = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0, "pool_timeout": 0.2},
        }
    )
    token = api_login(tight.test_client())["token"]
    client = tight.test_client()
    body = {"campaign_id": desk.campaign_id}
    with tight.app_context():
        db.session.remove()
        held = db.engine.connect()  # the only connection of the pool, taken by another request
    try:
        api = client.post("/api/leads/next", json=body, headers=bearer(token))
    finally:
        held.close()
    assert (api.status_code, api.get_json()["code"]) == (503, "busy")
    assert api.get_json()["message"] == "The server is busy. Try again in a moment."
    assert api.headers["Retry-After"] == "2"
    again = client.post("/api/leads/next", json=body, headers=bearer(token))
    assert again.status_code == 200 and again.get_json()["lead"] is not None
    with tight.app_context():
        db.engine.dispose()
