"""After the listener was blind, calls that ended meanwhile are closed by reconciliation."""

from __future__ import annotations

import time

from tests.factories.desk import make_desk
from tests.jobs.test_calls import place, wait_until_ended
from tests.support.pbx import CallsWorker, ListenerThread
from tests.support.web import api_login, bearer


def wait_for(predicate, timeout: float = 15.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "waited in vain"
        time.sleep(0.05)


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

        wait_for(lambda: state() == "connected")
        pbx.go_silent()  # the listener hears nothing more, not even the hang-up
        wait_for(lambda: pbx.channels() == [])
        assert state() == "connected"  # we still believe it is up
        pbx.resume()
        call = wait_until_ended(client, headers, call_id)
    finally:
        worker.stop()
        listener.stop()
    assert (call["status"], call["cause"]) == ("ANSWER", "no channel at the PBX")
    assert client.get("/api/agent", headers=headers).get_json()["state"] == "ready"
