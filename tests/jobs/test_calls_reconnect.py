"""After the listener was blind, calls that ended meanwhile are closed by reconciliation."""

from __future__ import annotations

from datetime import datetime

from dialer.domain.dialing import calls
from dialer.models import utcnow
from tests.factories.desk import make_desk
from tests.support.pbx import CallsWorker, ListenerThread
from tests.support.waiting import wait_until
from tests.support.web import api_login, bearer, call_in_state, place, wait_until_ended


def test_a_call_that_ended_while_the_listener_was_blind_is_closed_after_reconnect(
    app, client, pbx
) -> None:
    # Notice a silent PBX within a second, as a production listener does within its ping.
    app.config.update(AMI_PING_INTERVAL=0.3, AMI_RESPONSE_TIMEOUT=0.5)
    make_desk(app)
    headers = bearer(api_login(client)["token"])
    listener, worker = ListenerThread(app).start(), CallsWorker(app).start()
    try:
        call_id = place(client, headers, "0912345677")  # ...7: answers, talks 1.5 s here

        def state() -> str:
            return client.get(f"/api/calls/{call_id}", headers=headers).get_json()["call"]["state"]

        call_in_state(client, headers, call_id, "connected", timeout=15)
        pbx.go_silent()  # the listener hears nothing more, not even the hang-up
        wait_until(lambda: pbx.channels() == [], message="the PBX to drop the call")
        assert state() == "connected"  # we still believe it is up
        resumed_at = utcnow()
        pbx.resume()
        call = wait_until_ended(client, headers, call_id)
    finally:
        worker.stop()
        listener.stop()
    # Nobody saw it end: it ends when last known up (estimated), not at the recovery, and a
    # call lost a second after the answer is not a conversation: FAIL, the lead is retried.
    assert (call["status"], call["cause"]) == ("FAIL", "no channel at the PBX")
    assert call["ended_estimated"] and datetime.fromisoformat(call["ended_at"]) < resumed_at
    assert client.get("/api/agent", headers=headers).get_json()["state"] == "ready"


def test_a_call_too_fresh_to_judge_at_the_reconnect_is_judged_again_after_its_grace(
    app, client, pbx, monkeypatch
) -> None:
    # The reconnect's reconciliation leaves calls placed this recently alone (no channel yet?).
    monkeypatch.setattr(calls, "ORIGINATE_GRACE_S", 5)
    make_desk(app)
    headers = bearer(api_login(client)["token"])
    worker = CallsWorker(app).start()  # the listener is down: nobody hears this call
    listener = None
    try:
        call_id = place(client, headers, "0912345677")  # ...7: answers, talks 1.5 s here
        wait_until(lambda: pbx.channels() != [], message="the PBX to place the call")
        wait_until(lambda: pbx.channels() == [], message="the call to end at the PBX")
        listener = ListenerThread(app).start()  # back, a second or two after the Originate
        call = wait_until_ended(client, headers, call_id, timeout=20)
    finally:
        worker.stop()
        if listener is not None:
            listener.stop()
    # Before: it stayed "originating", its agent waiting, until the stale-call sweep (90 s).
    assert (call["status"], call["cause"]) == ("FAIL", "no channel at the PBX")
    assert client.get("/api/agent", headers=headers).get_json()["state"] == "ready"


def test_a_call_answered_while_the_listener_was_blind_is_taken_up_as_connected(
    app, client, pbx
) -> None:
    make_desk(app)
    headers = bearer(api_login(client)["token"])
    worker = CallsWorker(app).start()  # the listener is down: nobody hears this call
    listener = None
    try:
        call_id = place(client, headers, "0912345674")  # ...4: answers and talks for an hour

        def bridged() -> bool:
            return sum(1 for channel in pbx.channels() if channel.bridged) >= 2

        wait_until(bridged, message="agent and customer to talk at the PBX")
        listener = ListenerThread(app).start()
        call = call_in_state(client, headers, call_id, "connected", timeout=15)
        agent = client.get("/api/agent", headers=headers).get_json()["state"]
    finally:
        worker.stop()
        if listener is not None:
            listener.stop()
    # Before: it stayed "originating" (the agent yellow), and the stale-call sweep later
    # ended it FAIL while the customer was still on the line, the lead due to be dialled again.
    assert call["answered_at"] is not None
    assert agent == "connected"
