"""``/api/progressive/*``: the server keeps the countdown; early, stopped or repeated triggers
dial nothing and say why."""

from __future__ import annotations

from sqlalchemy import func, select

from dialer.extensions import db, redis_hub
from dialer.jobs.calls import QUEUE, originate_job_id
from dialer.models import AgentSession, Call, DialMode
from tests.factories.desk import make_desk
from tests.support.web import api_login, bearer


def calls_made(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Call))


def end_countdown_now(app) -> None:
    """The countdown's end moved to now, as if its seconds had passed."""
    with app.app_context():
        agent_session = db.session.scalar(select(AgentSession))
        agent_session.autodial_at = agent_session.autodial_at.replace(year=2000)
        db.session.commit()


def test_next_arms_the_lead_then_dial_waits_for_the_countdown(app, client) -> None:
    desk = make_desk(app, dial_mode=DialMode.PROGRESSIVE, progressive_countdown_s=30)
    token = bearer(api_login(client)["token"])
    armed = client.post(
        "/api/progressive/next", json={"campaign_id": desk.campaign_id}, headers=token
    )
    body = armed.get_json()
    assert armed.status_code == 200 and body["countdown_s"] == 30
    assert body["lead"]["phone"] == "+84912345670" and body["dial_at"]
    assert client.get("/api/agent", headers=token).get_json()["autodial_at"] == body["dial_at"]
    lead_id = body["lead"]["id"]
    early = client.post("/api/progressive/dial", json={"lead_id": lead_id}, headers=token)
    assert (early.status_code, early.get_json()["code"]) == (409, "countdown_running")
    assert early.get_json()["message"].startswith("The next call starts in ")
    assert calls_made(app) == 0
    end_countdown_now(app)
    dialled = client.post("/api/progressive/dial", json={"lead_id": lead_id}, headers=token)
    assert dialled.status_code == 201
    call = dialled.get_json()["call"]
    assert (call["state"], call["lead_id"]) == ("queued", lead_id)
    with app.app_context():
        assert redis_hub.queue(QUEUE).job_ids.count(originate_job_id(call["id"])) == 1
    again = client.post("/api/progressive/dial", json={"lead_id": lead_id}, headers=token)
    assert again.status_code == 409
    assert calls_made(app) == 1


def test_a_stopped_countdown_dials_nothing_and_a_preview_campaign_is_refused(app, client) -> None:
    desk = make_desk(app, dial_mode=DialMode.PROGRESSIVE)
    token = bearer(api_login(client)["token"])
    lead_id = client.post(
        "/api/progressive/next", json={"campaign_id": desk.campaign_id}, headers=token
    ).get_json()["lead"]["id"]
    stopped = client.post("/api/progressive/stop", headers=token)
    assert stopped.get_json()["agent"]["autodial_at"] is None
    dial = client.post("/api/progressive/dial", json={"lead_id": lead_id}, headers=token)
    assert (dial.status_code, dial.get_json()["code"]) == (
        409,
        "no_countdown",
    )
    assert calls_made(app) == 0
    bad = client.post("/api/progressive/dial", json={"lead_id": "x"}, headers=token)
    assert bad.status_code == 422


def test_a_preview_campaign_does_not_arm(app, client) -> None:
    desk = make_desk(app)
    token = bearer(api_login(client)["token"])
    refused = client.post(
        "/api/progressive/next", json={"campaign_id": desk.campaign_id}, headers=token
    )
    assert (refused.status_code, refused.get_json()["code"]) == (409, "not_progressive")
