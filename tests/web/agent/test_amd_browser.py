"""Answering machines on the desktop, in Chromium, with the PBX simulator's AMD step: a machine
put through says so on the call panel; one hung up on ends as "Answering machine"."""

from __future__ import annotations

import pytest

from dialer.extensions import db
from dialer.models import AmdAction, Campaign
from tests.factories.desk import make_desk
from tests.factories.leads import make_lead
from tests.web.agent.test_desktop_browser import sign_in, wait_state

pytestmark = pytest.mark.browser


@pytest.fixture
def pbx_speed() -> float:
    return 0.1


def machine_desk(app, action: AmdAction) -> None:
    made = make_desk(app, leads=0, amd_enabled=True, amd_action=action)
    with app.app_context():
        campaign = db.session.get(Campaign, made.campaign_id)
        make_lead(db.session, campaign, "+84912345677", first_name="Máy")  # ...77: a machine
        db.session.commit()


def call_the_lead(page, live_server) -> None:
    sign_in(page, live_server)
    page.get_by_test_id("get-lead").click()
    page.get_by_test_id("call-lead").click()


def test_a_machine_put_through_is_named_on_the_call_panel(
    app, listener, calls_worker, live_server, page
) -> None:
    machine_desk(app, AmdAction.AGENT)
    call_the_lead(page, live_server)
    note = page.get_by_test_id("machine-note")
    note.wait_for(timeout=15_000)
    assert note.inner_text() == "Answering machine: the customer's voicemail answered."
    assert page.get_by_test_id("agent-bar").get_attribute("data-state") == "connected"
    page.get_by_test_id("hangup").click()
    wait_state(page, "wrapup")


def test_a_machine_hung_up_on_ends_the_call_as_answering_machine(
    app, listener, calls_worker, live_server, page
) -> None:
    machine_desk(app, AmdAction.HANGUP)
    call_the_lead(page, live_server)
    page.wait_for_selector("text=Call ended: Answering machine", timeout=15_000)
    wait_state(page, "ready")  # no survey for a machine
