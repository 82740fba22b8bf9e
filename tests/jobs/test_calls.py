"""Calls through the real parts: API -> RQ worker -> AMI over TCP -> simulator -> listener -> DB."""

from __future__ import annotations

import pytest

from dialer.extensions import db, redis_hub
from dialer.jobs.calls import QUEUE, enqueue_originate
from dialer.models import Call, Lead, LeadStatus
from tests.factories.campaigns import blacklist
from tests.factories.desk import make_desk
from tests.support.web import api_login, bearer, call_in_state, place, wait_until_ended


@pytest.mark.parametrize(
    ("last_digit", "status"),
    [("0", "ANSWER"), ("1", "BUSY"), ("2", "NOANSWER"), ("3", "FAIL"), ("8", "NOANSWER")],
)
def test_the_outcome_comes_from_the_pbx_by_the_numbers_last_digit(
    app, client, listener, calls_worker, last_digit: str, status: str
) -> None:
    app.config["AMI_ORIGINATE_TIMEOUT"] = 10  # the simulator scales it: no answer comes quickly
    make_desk(app)
    headers = bearer(api_login(client)["token"])
    call = wait_until_ended(client, headers, place(client, headers, f"091234567{last_digit}"))
    assert call["status"] == status
    if status == "ANSWER":
        assert call["answered_at"] is not None and call["hung_up_by"] == "customer"
    assert client.get("/api/agent", headers=headers).get_json()["state"] == "ready"


def test_a_lead_call_settles_the_lead_by_the_retry_rules(
    app, client, listener, calls_worker
) -> None:
    desk = make_desk(app, leads=0)
    with app.app_context():
        from tests.factories.leads import make_lead

        campaign = db.session.get(Call.campaign.property.mapper.class_, desk.campaign_id)
        lead_id = make_lead(db.session, campaign, "+84912345671").id  # ...1: busy
        db.session.commit()
    headers = bearer(api_login(client)["token"])
    client.post("/api/leads/next", json={"campaign_id": desk.campaign_id}, headers=headers)
    started = client.post("/api/calls", json={"lead_id": lead_id}, headers=headers)
    call = wait_until_ended(client, headers, started.get_json()["call"]["id"])
    assert call["status"] == "BUSY"
    with app.app_context():
        lead = db.session.get(Lead, lead_id)
        assert (lead.status, lead.attempts, lead.last_status) == (LeadStatus.RETRY, 1, "BUSY")
        ended = db.session.get(Call, call["id"]).ended_at
        assert (lead.next_call_at - ended).total_seconds() == 15 * 60


def test_hanging_up_while_the_customer_rings_is_a_cancel(
    app, client, listener, calls_worker
) -> None:
    make_desk(app)
    headers = bearer(api_login(client)["token"])
    call_id = place(client, headers, "0912345672")  # ...2: rings until the agent gives up
    call_in_state(client, headers, call_id, "dialing")  # the customer's phone rings
    client.post(f"/api/calls/{call_id}/hangup", headers=headers)
    call = wait_until_ended(client, headers, call_id)
    assert (call["status"], call["hung_up_by"]) == ("CANCEL", "agent")


def test_hanging_up_a_connected_call_ends_it_answered(app, client, listener, calls_worker) -> None:
    make_desk(app)
    headers = bearer(api_login(client)["token"])
    call_id = place(client, headers, "0912345674")  # ...4: answers and stays up
    call_in_state(client, headers, call_id, "connected")
    assert client.get("/api/agent", headers=headers).get_json()["state"] == "connected"
    client.post(f"/api/calls/{call_id}/hangup", headers=headers)
    call = wait_until_ended(client, headers, call_id)
    assert (call["status"], call["hung_up_by"]) == ("ANSWER", "agent")
    assert call["talk_s"] >= 0 and call["answered_at"] is not None


def test_a_number_blacklisted_before_the_job_runs_is_never_dialled(app, client, pbx) -> None:
    from tests.support.pbx import CallsWorker, ListenerThread

    make_desk(app)
    headers = bearer(api_login(client)["token"])
    call_id = place(client, headers, "0912345674")  # committed and queued; no worker yet
    with app.app_context():
        blacklist(db.session, "+84912345674")
        db.session.commit()
        enqueue_originate(call_id)  # delivered twice: still one job
    listener, worker = ListenerThread(app).start(), CallsWorker(app).start()
    try:
        call = wait_until_ended(client, headers, call_id)
    finally:
        worker.stop()
        listener.stop()
    assert (call["status"], call["cause"]) == ("FAIL", "blacklisted")
    assert pbx.channels() == []
    with app.app_context():
        assert redis_hub.queue(QUEUE).count == 0


def test_clicks_on_hang_up_while_no_worker_runs_queue_one_hang_up(app, client, pbx) -> None:
    from tests.support.pbx import CallsWorker, ListenerThread

    make_desk(app)
    headers = bearer(api_login(client)["token"])
    listener, worker = ListenerThread(app).start(), CallsWorker(app).start()
    try:
        call_id = place(client, headers, "0912345674")  # ...4: answers and stays up
        call_in_state(client, headers, call_id, "connected")
        worker.stop()  # the workers are down: the agent clicks again and again
        for _ in range(5):
            assert client.post(f"/api/calls/{call_id}/hangup", headers=headers).status_code < 300
        with app.app_context():
            assert redis_hub.queue(QUEUE).count == 1
        worker = CallsWorker(app).start()
        call = wait_until_ended(client, headers, call_id)
    finally:
        worker.stop()
        listener.stop()
    assert (call["status"], call["hung_up_by"]) == ("ANSWER", "agent")
