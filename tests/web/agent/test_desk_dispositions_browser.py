"""Dispositions and callbacks on the desk, in Chromium against the PBX simulator."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from dialer.domain.campaigns import dispositions
from dialer.extensions import db
from dialer.models import Call, Callback, Campaign, DispositionKind, Lead, LeadStatus
from tests.factories.desk import make_desk
from tests.web.agent.test_desk_nothing_lost_browser import (
    add_lead,
    call_the_lead,
    sign_in,
    wait_state,
)

pytestmark = pytest.mark.browser

SAIGON = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def pbx_speed() -> float:
    return 0.1


@pytest.fixture
def desk(app, listener, calls_worker):
    # Calling hours 00:00-23:59 in Saigon: the last minute of each day is outside them.
    made = make_desk(app, leads=0, call_start=time(0, 0), call_end=time(23, 59))
    with app.app_context():
        campaign = db.session.get(Campaign, made.campaign_id)
        for kind, name, name_vi in [
            (DispositionKind.FINAL, "Interested", "Quan tâm"),
            (DispositionKind.CALLBACK, "Call back", "Gọi lại"),
        ]:
            dispositions.add_disposition(db.session, campaign, name, name_vi, kind)
        db.session.commit()
    return made


def test_after_a_busy_call_the_agent_picks_a_final_disposition(
    app, desk, live_server, page
) -> None:
    lead_id = add_lead(app, desk, "+84912345671")  # ...1: busy
    sign_in(page, live_server)
    call_the_lead(page)
    page.wait_for_selector("text=Call ended: Busy")
    form = page.get_by_test_id("disposition")
    form.wait_for()
    page.get_by_test_id("save-disposition").click()
    assert page.get_by_test_id("disposition-error").inner_text() == "Pick a disposition first."
    page.get_by_test_id("disposition-select").select_option(label="Interested")
    assert not page.get_by_test_id("callback-fields").is_visible()
    page.get_by_test_id("save-disposition").click()
    page.wait_for_selector('[data-testid="message"]:has-text("Disposition saved.")')
    assert not form.is_visible()
    with app.app_context():
        lead = db.session.get(Lead, lead_id)
        assert lead.status == LeadStatus.DONE
        assert db.session.scalar(select(Call.disposition_id)) is not None


def test_call_back_refuses_a_time_outside_the_hours_then_books_and_lists_it(
    app, desk, live_server, page
) -> None:
    lead_id = add_lead(app, desk, "+84912345670")  # ...0: answered, wrap-up
    sign_in(page, live_server)
    call_the_lead(page)
    wait_state(page, "wrapup")
    page.get_by_test_id("disposition-select").select_option(label="Call back")
    assert "Asia/Ho_Chi_Minh" in page.get_by_test_id("callback-zone").inner_text()
    now = datetime.now(SAIGON)
    tomorrow = (now + timedelta(days=1)).date()
    page.get_by_test_id("callback-date").fill(tomorrow.isoformat())
    page.get_by_test_id("callback-time").fill("23:59")
    page.get_by_test_id("save-disposition").click()
    error = page.get_by_test_id("disposition-error")
    page.wait_for_selector(
        '[data-testid="disposition-error"]:has-text("outside the calling hours")'
    )
    after = (tomorrow + timedelta(days=1)).isoformat()
    assert f"The next allowed time is {after} 00:00." in error.inner_text()
    soon = (now + timedelta(minutes=10)).replace(second=0, microsecond=0)
    page.get_by_test_id("callback-date").fill(soon.date().isoformat())
    page.get_by_test_id("callback-time").fill(soon.strftime("%H:%M"))
    page.get_by_test_id("save-disposition").click()
    page.wait_for_selector('[data-testid="message"]:has-text("Callback booked for")')
    with app.app_context():
        booked = db.session.scalar(select(Callback))
        assert booked.lead_id == lead_id and booked.owner_id == desk.agent_id
        assert booked.due_at == soon
        assert db.session.get(Lead, lead_id).status == LeadStatus.CALLBACK
    if soon.date() == now.date():
        page.wait_for_selector('[data-testid="callback-list"] li')
        assert soon.strftime("%H:%M") in page.get_by_test_id("callback-list").inner_text()
    page.get_by_test_id("ready").click()  # the disposition stands for the unsaved survey
    wait_state(page, "ready")


def test_a_number_in_todays_history_is_called_back_with_one_click(
    app, desk, live_server, page
) -> None:
    sign_in(page, live_server)
    page.get_by_test_id("callout-number").fill("0912345671")  # ...1: busy
    page.get_by_test_id("callout-number").press("Enter")
    page.wait_for_selector("text=Call ended: Busy")
    wait_state(page, "ready")
    with app.app_context():
        first = db.session.scalar(select(Call.id))
    page.goto(live_server.url + "/history/")
    page.get_by_test_id(f"call-back-{first}").click()
    page.wait_for_url("**/agent/")
    page.wait_for_selector("text=Call ended: Busy")
    with app.app_context():
        numbers = db.session.scalars(select(Call.customer_number).order_by(Call.id)).all()
    assert numbers == ["+84912345671", "+84912345671"]
    with app.app_context():
        from dialer.domain.campaigns.blacklist import add_number

        add_number(db.session, "+84912345671", "asked", added_by_id=None, region="VN")
        db.session.commit()
    wait_state(page, "ready")
    page.goto(live_server.url + "/history/")
    page.get_by_test_id(f"call-back-{first}").click()
    message = page.get_by_test_id("call-back-message")
    page.wait_for_selector('[data-testid="call-back-message"]:has-text("blacklist")')
    assert message.inner_text() == "This number is on the blacklist and must not be called."
