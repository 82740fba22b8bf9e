"""In a real browser, with the PBX simulator and the AMI listener: inbound calls end to end."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from dialer.domain.contacts.xcm import save_xcm
from dialer.domain.people import accounts
from dialer.extensions import db
from dialer.models import Call, Contact, User, XcmReport, utcnow
from dialer.timefmt import format_duration
from tests.factories.calls import answered_call
from tests.support.pbx import call_in
from tests.support.waiting import wait_until

pytestmark = pytest.mark.browser

CALLER = "0987654321"
CALLER_E164 = "+84987654321"


def _sign_in(page, url: str) -> None:
    page.goto(url + "/login")
    page.fill("input[name=username]", "agent1")
    page.fill("input[name=password]", "agent-demo")
    page.fill("input[name=extension]", "1001")
    page.click("button[type=submit].primary")
    page.get_by_test_id("agent-bar").wait_for()


def _earlier_calls_by_agent2(app: Flask, count: int) -> int:
    """``count`` earlier answered calls from CALLER taken by agent2; the oldest has a report."""
    with app.app_context():
        agent2 = db.session.scalar(select(User).where(User.username == "agent2"))
        start = utcnow() - timedelta(days=3)
        agent_session = accounts.start_agent_session(db.session, agent2, "1002", now=start)
        calls = [
            answered_call(db.session, CALLER, "1002", start + timedelta(hours=i))
            for i in range(count)
        ]
        save_xcm(db.session, calls[0].id, agent2.id, "old", category="support", note="Đổi gói cước")
        accounts.end_agent_session(
            db.session, agent_session, kind="logout", now=start + timedelta(days=1)
        )
        db.session.commit()
        return calls[0].id


def _inbound_call(app: Flask) -> Call | None:
    with app.app_context():
        return db.session.scalar(
            select(Call)
            .where(Call.customer_number == CALLER_E164, Call.agent_id.is_not(None))
            .where(Call.created_at > utcnow() - timedelta(minutes=5))
        )


def test_an_inbound_call_pops_the_caller_view_the_contact_is_saved_and_xcm_saved_once(
    seeded, live_server, page, listener
):
    app = seeded
    oldest = _earlier_calls_by_agent2(app, 11)
    _sign_in(page, live_server.url)
    call_in(app, CALLER, seconds=300)  # the caller stays 15 s, then hangs up

    toast = page.get_by_test_id("inbound-toast")
    toast.wait_for()
    assert page.get_by_test_id("toast-number").inner_text() == CALLER_E164
    assert page.get_by_test_id("toast-name").inner_text() == "Unknown caller"
    view = page.get_by_test_id("caller-view")
    view.wait_for()
    assert page.get_by_test_id("caller-number").inner_text() == CALLER_E164
    # The bar turns connected once the agent's phone has answered and the PBX said so (and stays
    # so: the page's own re-read on the new call must not put it back to ringing).
    page.wait_for_selector("#agent-bar.state-connected")

    history = page.locator("[data-testid=phone-history] tbody tr")
    history.nth(9).wait_for()
    assert history.count() == 10
    page.get_by_test_id("phone-more").click()
    history.nth(11).wait_for()
    assert history.count() == 12 and page.get_by_test_id("phone-more").is_hidden()

    page.get_by_test_id("contact-edit").click()
    form = page.get_by_test_id("contact-form")
    form.locator("input[name=name]").fill("Chị Hoa")
    form.locator("input[name=email]").fill("hoa at example")
    page.get_by_test_id("contact-update").click()
    page.wait_for_selector("[data-error=email]:has-text('Enter an email address')")
    form.locator("input[name=email]").fill("hoa@example.vn")
    form.locator("input[name=is_vip]").check()
    page.get_by_test_id("contact-update").click()
    page.wait_for_selector("[data-testid=contact-message]:has-text('Contact created.')")
    assert view.locator('.contact-view [data-field="name"]').inner_text() == "Chị Hoa"
    page.get_by_test_id("caller-vip").wait_for()
    page.wait_for_selector("#agent-bar[data-vip-alert]")

    page.get_by_test_id("xcm-category").select_option("complaint")
    page.get_by_test_id("xcm-note").fill("Khách báo mạng chậm buổi tối.")
    page.get_by_test_id("xcm-save").dblclick()
    page.wait_for_selector("[data-testid=xcm-message]:has-text('Saved.')")
    assert page.get_by_test_id("xcm-save").is_disabled()

    history.first.click()  # the live call, newest first, now with its report
    report = page.get_by_test_id("report-view")
    report.wait_for()
    assert "Khách báo mạng chậm buổi tối." in report.inner_text()
    page.get_by_test_id("phone-more").click()
    page.locator(f"[data-testid=phone-history] tr[data-call-id='{oldest}']").click()
    page.wait_for_selector("[data-testid=report-note]:has-text('Đổi gói cước')")

    toast.wait_for(state="hidden", timeout=30_000)  # the caller hung up
    page.wait_for_selector("#agent-bar.state-ready")
    assert "COMPLETECALLER" in page.get_by_test_id("caller-status").inner_text()

    call = _inbound_call(app)
    with app.app_context():
        reports = list(db.session.scalars(select(XcmReport).where(XcmReport.call_id == call.id)))
        contact = db.session.scalar(select(Contact).where(Contact.phone == CALLER_E164))
        agent1 = db.session.scalar(select(User).where(User.username == "agent1"))
    assert (call.status, call.agent_id, call.contact_id) == (
        "COMPLETECALLER",
        agent1.id,
        contact.id,
    )
    assert call.talk_s > 0 and contact.is_vip and contact.email == "hoa@example.vn"
    assert len(reports) == 1
    assert (reports[0].agent_id, reports[0].contact_id) == (agent1.id, contact.id)


def test_todays_history_counts_the_calls_made_through_the_simulator(
    seeded, live_server, page, listener
):
    app = seeded
    _sign_in(page, live_server.url)
    for n in range(11):
        call_in(app, f"09120000{n:02d}", seconds=20)  # 1 s each

        def ended(n: int = n) -> bool:
            with app.app_context():
                return bool(
                    db.session.scalar(
                        select(func.count())
                        .select_from(Call)
                        .where(Call.customer_number == f"+849120000{n:02d}")
                        .where(Call.status == "COMPLETECALLER")
                    )
                )

        wait_until(ended, message=f"call {n} to end")
    page.wait_for_selector("[data-testid=cw-inbound]:has-text('11')")
    with app.app_context():
        talk = db.session.scalar(select(func.sum(Call.talk_s)))

    page.goto(live_server.url + "/history/")
    totals = {
        name: page.get_by_test_id(f"total-{name}").inner_text()
        for name in ("calls", "completed", "failed")
    }
    assert totals == {"calls": "11", "completed": "11", "failed": "0"}
    rows = page.locator("[data-testid=history-rows] tbody tr")
    assert rows.count() == 10 and "COMPLETECALLER" in rows.first.inner_text()
    assert page.get_by_test_id("total-talk").inner_text() == format_duration(talk)
    page.click("a[rel=next]")
    page.wait_for_selector("[data-testid=page-of]:has-text('Page 2 of 2')")
    assert rows.count() == 1 and "+84912000000" in rows.first.inner_text()
    page.click("[data-tab=outbound]")
    page.get_by_test_id("no-calls").wait_for()
    assert page.get_by_test_id("total-calls").inner_text() == "0"
    page.click("[data-tab=inbound]")
    assert page.get_by_test_id("total-calls").inner_text() == "11"
