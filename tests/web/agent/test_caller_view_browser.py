"""The inbound screen pop in a real browser: the configured zone's times, the caller's name as it
changes, and a notification that leaves the caller view's boxes uncovered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from dialer.domain.people import accounts
from dialer.extensions import db
from dialer.models import Campaign, User
from tests.factories.calls import answered_call
from tests.factories.leads import make_lead
from tests.support.pbx import call_in

pytestmark = pytest.mark.browser

CALLER = "0987654321"
# 22:30 UTC is already the next day, 05:30, in Asia/Ho_Chi_Minh.
EARLIER = (datetime.now(UTC) - timedelta(days=3)).replace(
    hour=22, minute=30, second=0, microsecond=0
)


def _earlier_call_and_lead(app) -> None:
    with app.app_context():
        agent2 = db.session.scalar(select(User).where(User.username == "agent2"))
        agent_session = accounts.start_agent_session(db.session, agent2, "1002", now=EARLIER)
        answered_call(db.session, CALLER, "1002", EARLIER)
        accounts.end_agent_session(
            db.session, agent_session, kind="logout", now=EARLIER + timedelta(hours=1)
        )
        campaign = db.session.scalars(select(Campaign).order_by(Campaign.id)).first()
        make_lead(db.session, campaign, "+84987654321", first_name="Tám", last_name="Lê Văn")
        db.session.commit()


def _overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_a_caller_who_is_a_lead_is_named_renamed_live_and_their_history_is_in_local_time(
    seeded, live_server, browser, listener
) -> None:
    app = seeded
    _earlier_call_and_lead(app)
    # A PC whose clock is on UTC: the times must still be the configured zone's.
    context = browser.new_context(
        locale="en-US", timezone_id="UTC", viewport={"width": 1366, "height": 768}
    )
    page = context.new_page()
    page.goto(live_server.url + "/login")
    page.fill("input[name=username]", "agent1")
    page.fill("input[name=password]", "agent-demo")
    page.fill("input[name=extension]", "1001")
    page.click("button[type=submit].primary")
    page.get_by_test_id("agent-bar").wait_for()
    call_in(app, CALLER, seconds=300)

    toast = page.get_by_test_id("inbound-toast")
    toast.wait_for()
    assert page.get_by_test_id("toast-name").inner_text() == "Lê Văn Tám"
    page.get_by_test_id("caller-view").wait_for()
    xcm = page.get_by_test_id("xcm-box")
    assert not _overlap(toast.bounding_box(), xcm.bounding_box())
    assert not _overlap(toast.bounding_box(), page.get_by_test_id("contact-box").bounding_box())

    earlier_row = page.locator("[data-testid=phone-history] tbody tr").nth(1)
    earlier_row.wait_for()
    local = EARLIER.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%Y-%m-%d %H:%M")
    assert earlier_row.locator("td").first.inner_text() == local

    page.get_by_test_id("contact-edit").click()
    page.get_by_test_id("contact-form").locator("input[name=name]").fill("Chị Hoa")
    page.get_by_test_id("contact-update").click()
    page.wait_for_selector("[data-testid=contact-message]:has-text('Contact created.')")
    assert page.get_by_test_id("toast-name").inner_text() == "Chị Hoa"
    context.close()
