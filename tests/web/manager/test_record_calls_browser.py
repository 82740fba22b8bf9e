"""In a real browser: a manager switches a campaign's recording off, and the next call made in
it has no recording (issue 12: recording is a per-campaign setting)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from rq.exceptions import NoSuchJobError
from rq.job import Job
from sqlalchemy import select

from dialer.extensions import db, redis_hub
from dialer.models import AuditEntry, Call, Campaign, Role
from tests.factories.desk import make_desk
from tests.factories.leads import make_lead
from tests.factories.people import make_user
from tests.support.waiting import wait_until
from tests.support.web import api_login, bearer, call_in_state, wait_until_ended

pytestmark = pytest.mark.browser


def _answered_call(app: Flask, client, headers: dict, campaign_id: int, *, recorded: bool) -> Call:  # noqa: ANN001, E501
    """Get Lead and call it; the customer answers; the agent hangs up; back to Ready.

    The customer would talk for an hour: the call is up until the agent hangs up, so a
    recording has the time to start (the listener plans it as it hears the call connect,
    before it hears the hang-up).
    """
    lead = client.post("/api/leads/next", json={"campaign_id": campaign_id}, headers=headers)
    placed = client.post(
        "/api/calls", json={"lead_id": lead.get_json()["lead"]["id"]}, headers=headers
    )
    assert placed.status_code == 201, placed.get_json()
    call_id = placed.get_json()["call"]["id"]
    call_in_state(client, headers, call_id, "connected", timeout=15)
    if recorded:
        with app.app_context():
            wait_until(
                lambda: _job_result(f"record-{call_id}") == "recording",
                message="the PBX to record the call",
            )
    assert client.post(f"/api/calls/{call_id}/hangup", headers=headers).status_code == 200
    assert wait_until_ended(client, headers, call_id)["status"] == "ANSWER"
    left = client.post("/api/agent/ready", json={"leave_survey": True}, headers=headers)
    assert left.status_code == 200, left.get_json()
    with app.app_context():
        call = db.session.get_one(Call, call_id)
        db.session.expunge(call)
        return call


def _job_result(job_id: str) -> object:
    try:
        return Job.fetch(job_id, connection=redis_hub.client).return_value()
    except NoSuchJobError:
        return None


def _listening(pbx) -> bool:  # noqa: ANN001
    """The listener is signed in to the PBX and hears call events (it sees each call whole)."""
    return any(session.wants("call") for session in list(pbx.server.sessions))


def test_a_campaign_switched_off_records_no_more_calls(
    app, live_server, page, pbx, listener, calls_worker
) -> None:
    wait_until(lambda: _listening(pbx), message="the listener to hear the PBX")
    desk = make_desk(app, leads=0)
    with app.app_context():
        campaign = db.session.get_one(Campaign, desk.campaign_id)
        for number in ("+84912345674", "+84912345684"):  # each answers and talks an hour
            make_lead(db.session, campaign, number)
        make_user(db.session, "boss", role=Role.MANAGER, password="boss-pass")
        db.session.commit()
    recordings = Path(app.config["DIALER_RECORDINGS_DIR"])
    client = app.test_client()
    agent = bearer(api_login(client)["token"])

    recorded = _answered_call(app, client, agent, desk.campaign_id, recorded=True)
    assert recorded.recording_ref  # recorded while the switch is on (the default)
    wait_until(lambda: (recordings / recorded.recording_ref).exists(), message="the recording")

    page.goto(live_server.url + "/login")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", "boss-pass")
    page.click("button[type=submit].primary")
    page.wait_for_url(live_server.url + "/manager/")
    page.goto(f"{live_server.url}/campaigns/{desk.campaign_id}/edit")
    switch = page.get_by_label("Record the calls")
    assert switch.is_checked()
    switch.uncheck()
    page.click("form.campaign-form button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/campaigns/{desk.campaign_id}")
    assert page.get_by_test_id("record-calls").inner_text() == "no"

    files_before = sorted(p.name for p in recordings.iterdir())
    unrecorded = _answered_call(app, client, agent, desk.campaign_id, recorded=False)

    assert unrecorded.recording_ref is None
    with app.app_context():
        assert _job_result(f"record-{unrecorded.id}") is None  # the PBX was never asked
    assert sorted(p.name for p in recordings.iterdir()) == files_before
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "campaign_updated")
        ).one()
        assert (entry.target_id, entry.detail["record_calls"]) == (str(desk.campaign_id), False)
