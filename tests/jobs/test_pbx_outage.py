"""The PBX out of sight: agents told at once, lost calls ended with a true time (issue 13, 2-3)."""

from __future__ import annotations

import json
from datetime import datetime

from flask import Flask

from dialer import live
from dialer.extensions import db, redis_hub
from dialer.models import Campaign, Lead, LeadStatus
from tests.factories.desk import Desk, make_desk
from tests.factories.leads import make_lead
from tests.support.pbx import CallsWorker, ListenerThread
from tests.support.waiting import wait_until
from tests.support.web import api_login, bearer, call_in_state, wait_until_ended


def _desk(app: Flask, number: str) -> tuple[Desk, int]:
    """The desk with one lead at ``number`` (the simulator's last digit says what it does)."""
    desk = make_desk(app, leads=0)
    with app.app_context():
        lead = make_lead(db.session, db.session.get_one(Campaign, desk.campaign_id), number)
        db.session.commit()
        return desk, lead.id


def _fast_link(app: Flask) -> None:
    # Notice a lost PBX within a second, as a production listener does within its ping.
    app.config.update(AMI_PING_INTERVAL=0.3, AMI_RESPONSE_TIMEOUT=0.5, AMI_CONNECT_TIMEOUT=0.5)


def _call_lead(client, headers, desk: Desk, lead_id: int) -> int:
    got = client.post("/api/leads/next", json={"campaign_id": desk.campaign_id}, headers=headers)
    assert got.get_json()["lead"]["id"] == lead_id
    started = client.post("/api/calls", json={"lead_id": lead_id}, headers=headers)
    assert started.status_code == 201, started.get_json()
    return started.get_json()["call"]["id"]


def _lead(app: Flask, lead_id: int) -> tuple[str, int]:
    with app.app_context():
        lead = db.session.get_one(Lead, lead_id)
        found = (lead.status, lead.attempts)
        db.session.remove()
        return found


def test_with_the_pbx_gone_agents_are_told_at_once_and_calls_end_after_the_grace_period(
    app: Flask, client, pbx
) -> None:
    _fast_link(app)
    app.config.update(DIALER_PBX_DOWN_GRACE_S=2, DIALER_HEARTBEAT_TIMEOUT_S=60)
    desk, lead_id = _desk(app, "+84912345674")  # answers and talks for an hour
    headers = bearer(api_login(client)["token"])
    with app.app_context():
        screen = redis_hub.client.pubsub(ignore_subscribe_messages=True)
        screen.subscribe(live.user_channel(desk.agent_id))
    listener, worker = ListenerThread(app).start(), CallsWorker(app).start()
    try:
        call_id = _call_lead(client, headers, desk, lead_id)
        call_in_state(client, headers, call_id, "connected", timeout=15)
        pbx.stop()  # the PBX is gone, and stays gone

        def pbx_news() -> dict | None:
            message = screen.get_message(timeout=0.2)
            data = json.loads(message["data"]) if message else {}
            return data if data.get("event") == "pbx" else None

        news = wait_until(pbx_news, timeout=10, message="the screen to hear the PBX is gone")
        assert news["data"]["health"] == "down"
        went_down = datetime.fromisoformat(news["data"]["since"])
        refused = client.post(f"/api/calls/{call_id}/hangup", headers=headers)
        assert (refused.status_code, refused.get_json()["code"]) == (503, "pbx_unreachable")
        page = client.get("/agent/").get_data(as_text=True)
        assert 'data-testid="pbx-alert">' in page  # the banner, not hidden
        ended = wait_until_ended(client, headers, call_id, timeout=20)
    finally:
        worker.stop()
        listener.stop()
        screen.close()
    # Cut seconds after the answer, unseen: not a conversation, and not the agent's hang-up.
    assert (ended["status"], ended["hung_up_by"], ended["ended_estimated"]) == (
        "FAIL",
        "system",
        True,
    )
    assert datetime.fromisoformat(ended["ended_at"]) == went_down
    assert _lead(app, lead_id) == (LeadStatus.RETRY, 1)
    # The agent goes on: Ready, and may pause.
    assert client.get("/api/agent", headers=headers).get_json()["state"] == "ready"
    no_call = client.post("/api/calls", json={"number": "0912345678"}, headers=headers)
    assert (no_call.status_code, no_call.get_json()["code"]) == (503, "pbx_unreachable")
    paused = client.post("/api/agent/pause", json={"reason_id": desk.reason_id}, headers=headers)
    assert paused.get_json()["state"] == "paused"


def test_after_a_pbx_restart_a_call_cut_right_after_answer_is_retried_not_done(
    app: Flask, client, pbx
) -> None:
    _fast_link(app)
    desk, lead_id = _desk(app, "+84912345674")
    headers = bearer(api_login(client)["token"])
    listener, worker = ListenerThread(app).start(), CallsWorker(app).start()
    try:
        call_id = _call_lead(client, headers, desk, lead_id)
        call_in_state(client, headers, call_id, "connected", timeout=15)
        pbx.restart(pause=1)  # `core restart now`: every call is cut by the PBX
        ended = wait_until_ended(client, headers, call_id, timeout=30)
    finally:
        worker.stop()
        listener.stop()
    # Before: ANSWER, the lead done for good and no survey, for a call nobody talked on.
    assert (ended["status"], ended["hung_up_by"]) == ("FAIL", "system")
    assert _lead(app, lead_id) == (LeadStatus.RETRY, 1)
    assert client.get("/api/agent", headers=headers).get_json()["state"] == "ready"


def test_a_call_ended_while_the_pbx_was_out_of_sight_is_hung_up_when_it_comes_back(
    app: Flask, client, pbx
) -> None:
    _fast_link(app)
    app.config.update(DIALER_PBX_DOWN_GRACE_S=1, DIALER_HEARTBEAT_TIMEOUT_S=60)
    desk, lead_id = _desk(app, "+84912345674")  # talks for an hour
    headers = bearer(api_login(client)["token"])
    listener, worker = ListenerThread(app).start(), CallsWorker(app).start()
    try:
        call_id = _call_lead(client, headers, desk, lead_id)
        call_in_state(client, headers, call_id, "connected", timeout=15)
        pbx.go_silent()  # the link is lost; the PBX keeps the call up
        ended = wait_until_ended(client, headers, call_id, timeout=20)
        assert pbx.channels() != []  # the customer is still on the line
        pbx.resume()
        wait_until(lambda: pbx.channels() == [], timeout=20, message="the PBX to drop the call")
    finally:
        worker.stop()
        listener.stop()
    # Closed once, as of when the link was lost; the lead is retried, never on a second line.
    assert (ended["status"], ended["ended_estimated"]) == ("FAIL", True)
    assert _lead(app, lead_id) == (LeadStatus.RETRY, 1)


def test_an_originate_that_never_left_costs_the_lead_no_attempt(app: Flask, client, pbx) -> None:
    desk, lead_id = _desk(app, "+84912345670")
    headers = bearer(api_login(client)["token"])
    pbx.stop()  # gone before the worker could connect, and no listener to say so yet
    worker = CallsWorker(app).start()
    try:
        call_id = _call_lead(client, headers, desk, lead_id)
        ended = wait_until_ended(client, headers, call_id, timeout=20)
    finally:
        worker.stop()
    # Nobody was dialled: not an attempt, and not the agent's phone ringing out either.
    assert (ended["status"], ended["agent_leg"]) == ("FAIL", None)
    assert _lead(app, lead_id) == (LeadStatus.NEW, 0)  # before: (RETRY, 1)
    assert client.get("/api/agent", headers=headers).get_json()["state"] == "ready"
