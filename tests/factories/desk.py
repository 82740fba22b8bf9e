"""A whole agent desk: an agent, a running campaign with leads and a survey, pause reasons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Any

from flask import Flask

from dialer.extensions import db
from dialer.models import Campaign, PauseReason
from tests.factories.campaigns import make_campaign, standard_survey
from tests.factories.leads import make_lead
from tests.factories.people import make_agent, make_pause_reason


@dataclass
class Desk:
    agent_id: int
    campaign_id: int
    reason_id: int
    question_ids: list[int]


def make_desk(app: Flask, *, leads: int = 3, **campaign: Any) -> Desk:
    """An agent (signed out) assigned to a running campaign with leads, a survey, reasons."""
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
