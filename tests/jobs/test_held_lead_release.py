"""A lead held by an agent whose screen vanished goes back to the campaign (issue 13, item 7)."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from dialer.domain.dialing import outbound as dialing
from dialer.extensions import db
from dialer.models import AgentSession, AgentState, CampaignAgent, Lead, LeadStatus, utcnow
from dialer.processes.housekeeping import sweep
from tests.factories.desk import make_desk
from tests.factories.people import make_agent
from tests.support.web import api_login, bearer, signed_in_manager


def _lead(app: Flask, lead_id: int) -> tuple[str, int | None]:
    with app.app_context():
        lead = db.session.get_one(Lead, lead_id)
        found = (lead.status, lead.claimed_by_id)
        db.session.remove()
        return found


def test_a_vanished_agents_lead_goes_back_after_the_release_time_and_the_wallboard_says_so(
    app: Flask, client
) -> None:
    app.config.update(DIALER_HEARTBEAT_TIMEOUT_S=30, DIALER_HELD_LEAD_RELEASE_S=600)
    desk = make_desk(app)
    agent = bearer(api_login(client)["token"])
    lead_id = client.post(
        "/api/leads/next", json={"campaign_id": desk.campaign_id}, headers=agent
    ).get_json()["lead"]["id"]
    start = utcnow()
    sweep(app, start + timedelta(seconds=31))  # the screen went silent: paused "disconnected"
    with app.app_context():
        paused = db.session.scalar(db.select(AgentSession).where(AgentSession.logout_at.is_(None)))
        assert (paused.state, paused.pause_reason.code) == (AgentState.PAUSED, "disconnected")
        db.session.remove()
    assert _lead(app, lead_id) == (LeadStatus.CLAIMED, desk.agent_id)
    sweep(app, start + timedelta(seconds=31 + 599))  # not yet
    assert _lead(app, lead_id) == (LeadStatus.CLAIMED, desk.agent_id)
    sweep(app, start + timedelta(seconds=31 + 601))
    assert _lead(app, lead_id) == (LeadStatus.NEW, None)
    # Another agent may now get it.
    with app.app_context():
        other, _ = make_agent(db.session, "agent2", "1002", now=utcnow())
        db.session.add(CampaignAgent(campaign_id=desk.campaign_id, user_id=other.id))
        db.session.commit()
        got = dialing.claim_next_lead(db.session, other.id, desk.campaign_id, utcnow())
        assert got.lead.id == lead_id
        db.session.rollback()
        db.session.remove()
    boss = signed_in_manager(app, app.test_client())
    row = boss.get("/supervisor/").get_data(as_text=True)
    assert "Lead returned to the campaign" in row
