"""Helpers for the desktop's API tests: a desk with an agent, a campaign, leads and a survey."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from dialer.extensions import db
from dialer.models import Campaign, PauseReason, User
from tests.dialing_factories import (
    AGENT_PASSWORD,
    make_agent,
    make_campaign,
    make_lead,
    make_pause_reason,
    standard_survey,
)


@dataclass
class Desk:
    agent_id: int
    campaign_id: int
    reason_id: int
    question_ids: list[int]


def make_desk(app: Flask, *, leads: int = 3, **campaign: Any) -> Desk:
    """An agent (signed out) assigned to a running campaign with leads, a survey, reasons."""
    from datetime import time

    with app.app_context():
        user, _ = make_agent(db.session, "agent1", "1001", signed_in=False, queues=("support",))
        survey = standard_survey(db.session)
        values = {"call_start": time(0, 0), "call_end": time(23, 59), **campaign}
        made: Campaign = make_campaign(db.session, agents=[user], survey=survey, **values)
        for i in range(leads):
            make_lead(db.session, made, f"+8491234567{i}", custom={"Gói cước": "Cao cấp"})
        reason: PauseReason = make_pause_reason(db.session)
        make_pause_reason(db.session, "disconnected", "Disconnected", is_system=True)
        db.session.commit()
        return Desk(user.id, made.id, reason.id, [q.id for q in survey.questions])


def api_login(client: FlaskClient, username: str = "agent1", extension: str = "1001") -> dict:
    """Sign in through POST /api/session; the response body (with the token)."""
    response = client.post(
        "/api/session",
        json={"agent_id": username, "password": AGENT_PASSWORD, "extension": extension},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def page_csrf(client: FlaskClient, path: str = "/agent/") -> str:
    """The CSRF token the desktop page carries (as desktop.js sends it)."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def user_named(username: str) -> User:
    return db.session.query(User).filter_by(username=username).one()
