"""Helpers for the administration pages' tests."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from dialer.extensions import db
from dialer.models import Queue, Role
from tests.factories.people import make_user
from tests.support.web import login

ADMIN_PW = "admin pass phrase"


def signed_in_admin(app: Flask, client: FlaskClient, username: str = "root") -> int:
    """An admin signed in on ``client`` (queues support and sales exist); the admin's id."""
    with app.app_context():
        user = make_user(db.session, username, role=Role.ADMIN, password=ADMIN_PW)
        for name in ("support", "sales"):
            if db.session.scalar(select(Queue.id).where(Queue.name == name)) is None:
                db.session.add(Queue(name=name))
        db.session.commit()
        user_id = user.id
    assert login(client, username, ADMIN_PW).status_code == 302
    return user_id
