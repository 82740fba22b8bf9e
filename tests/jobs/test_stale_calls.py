"""A call the listener never saw, swept as stale: the PBX is asked first, through the real parts
(API -> RQ worker -> AMI over TCP -> simulator; the housekeeping sweep as a worker runs it)."""

from __future__ import annotations

from datetime import timedelta

from dialer.extensions import db
from dialer.models import Call, CallState, utcnow
from dialer.processes import housekeeping
from tests.factories.desk import make_desk
from tests.support.pbx import CallsWorker
from tests.support.waiting import wait_until
from tests.support.web import api_login, bearer, place


def _call(app, call_id: int) -> Call:
    with app.app_context():
        call = db.session.get_one(Call, call_id)
        db.session.expunge(call)
        return call


def test_a_stale_call_the_pbx_still_has_is_hung_up_there_before_it_is_closed(
    app, client, pbx
) -> None:
    make_desk(app)
    headers = bearer(api_login(client)["token"])
    worker = CallsWorker(app).start()
    try:
        # No listener runs: the call is sent, answered and talking, and nobody saw it.
        call_id = place(client, headers, "0912345674")  # ...4: answers and stays up
        wait_until(lambda: len(pbx.channels()) >= 4, timeout=10, message="the call up")
    finally:
        worker.stop()
    with app.app_context():
        call = db.session.get_one(Call, call_id)
        call.created_at -= timedelta(minutes=5)  # long past DIALER_STALE_CALL_S
        db.session.commit()

    housekeeping.sweep(app, utcnow())

    # The customer is not left on the line while the lead goes back to the campaign.
    assert pbx.channels() == []
    assert _call(app, call_id).state == CallState.ORIGINATING  # left for the PBX's report
    housekeeping.sweep(app, utcnow())  # nothing at the PBX any more: closed as it stood
    closed = _call(app, call_id)
    assert (closed.state, closed.status, closed.hangup_cause_text) == (
        CallState.ENDED,
        "FAIL",
        "no answer from the PBX",
    )
