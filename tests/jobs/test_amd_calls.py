"""Answering machines through the real parts: API -> RQ worker -> AMI over TCP -> the simulator's
AMD step -> listener -> DB. A number ending in 77 is a machine."""

from __future__ import annotations

from dialer.extensions import db
from dialer.models import AmdAction, Call, Campaign, Lead, LeadStatus
from tests.factories.desk import make_desk
from tests.factories.leads import make_lead
from tests.support.waiting import wait_until
from tests.support.web import api_login, bearer, call_in_state, wait_until_ended


def lead_call(app, client, action: str, phone: str = "+84912345677") -> tuple[dict, int, int]:
    desk = make_desk(app, leads=0, amd_enabled=True, amd_action=action)
    with app.app_context():
        campaign = db.session.get(Campaign, desk.campaign_id)
        lead_id = make_lead(db.session, campaign, phone).id
        db.session.commit()
    headers = bearer(api_login(client)["token"])
    client.post("/api/leads/next", json={"campaign_id": desk.campaign_id}, headers=headers)
    started = client.post("/api/calls", json={"lead_id": lead_id}, headers=headers)
    assert started.status_code == 201
    return headers, started.get_json()["call"]["id"], lead_id


def test_a_machine_is_hung_up_on_ends_machine_and_its_lead_waits_the_retry(
    app, client, listener, calls_worker
) -> None:
    headers, call_id, lead_id = lead_call(app, client, AmdAction.HANGUP)
    call = wait_until_ended(client, headers, call_id)
    assert (call["status"], call["amd_status"]) == ("MACHINE", "MACHINE")
    assert client.get("/api/agent", headers=headers).get_json()["state"] == "ready"
    with app.app_context():
        lead = db.session.get(Lead, lead_id)
        assert (lead.status, lead.attempts, lead.last_status) == (LeadStatus.RETRY, 1, "MACHINE")
        ended = db.session.get(Call, call_id).ended_at
        assert round((lead.next_call_at - ended).total_seconds()) == 120 * 60


def test_a_machine_put_through_reaches_the_agent_marked_as_one(
    app, client, listener, calls_worker
) -> None:
    headers, call_id, _lead_id = lead_call(app, client, AmdAction.AGENT)

    def told() -> dict | None:
        on_screen = client.get("/api/agent", headers=headers).get_json()
        return on_screen if on_screen["call"]["amd_status"] else None

    on_screen = wait_until(told, timeout=10.0, message="the agent to be told of the machine")
    assert on_screen["state"] == "connected" and on_screen["call"]["amd_status"] == "MACHINE"
    client.post(f"/api/calls/{call_id}/hangup", headers=headers)
    assert wait_until_ended(client, headers, call_id)["status"] == "ANSWER"


def test_a_person_answers_as_ever_with_detection_on(app, client, listener, calls_worker) -> None:
    headers, call_id, _lead_id = lead_call(app, client, AmdAction.HANGUP, "+84912345674")
    call_in_state(client, headers, call_id, "connected")

    def heard() -> dict | None:
        # The detector listens for a moment after the answer; hanging up sooner cuts it short,
        # on a real Asterisk as here, and the call then has no verdict.
        call = client.get(f"/api/calls/{call_id}", headers=headers).get_json()["call"]
        return call if call["amd_status"] else None

    assert wait_until(heard, timeout=10.0, message="the detector's verdict")["state"] == "connected"
    client.post(f"/api/calls/{call_id}/hangup", headers=headers)
    call = wait_until_ended(client, headers, call_id)
    assert (call["status"], call["amd_status"]) == ("ANSWER", "HUMAN")
