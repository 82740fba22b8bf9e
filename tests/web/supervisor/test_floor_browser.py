"""The dashboard and the wallboard in Chromium, following a real call live (simulator, listener,
worker); and both pages readable on a 390 px phone in both languages."""

from __future__ import annotations

import pytest

from dialer.extensions import db
from dialer.models import Role
from tests.factories.desk import make_desk
from tests.factories.people import make_user
from tests.web.agent.test_desktop_browser import add_lead, sign_in, wait_state

pytestmark = pytest.mark.browser


@pytest.fixture
def pbx_speed() -> float:
    return 0.1  # a ...6 number rings 2 s, talks 0.5 s, then hangs up


@pytest.fixture
def desk(app, listener, calls_worker):  # noqa: ANN001, ANN201
    return make_desk(app, leads=0)


def open_as_boss(app, browser, live_server, *, width: int = 1280, language: str = "en"):  # noqa: ANN001, ANN201
    """A supervisor's browser, signed in, in that language and window width."""
    with app.app_context():
        make_user(db.session, "boss", role=Role.SUPERVISOR, password="boss-pass", language=language)
        db.session.commit()
    context = browser.new_context(
        locale="en-US", timezone_id="Asia/Ho_Chi_Minh", viewport={"width": width, "height": 800}
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.goto(live_server.url + "/login")
    tab.fill("input[name=username]", "boss")
    tab.fill("input[name=password]", "boss-pass")
    tab.click("button[type=submit].primary")
    tab.wait_for_url("**/manager/")
    return context, tab


def figure(tab, test_id: str) -> str:  # noqa: ANN001
    return tab.get_by_test_id(test_id).inner_text()


def wait_figure(tab, test_id: str, value: str) -> None:  # noqa: ANN001
    tab.wait_for_function(
        "([id, value]) => document.querySelector(`[data-testid=${id}]`).textContent === value",
        arg=[test_id, value],
    )


def test_dashboard_and_wallboard_follow_a_call_live(app, desk, live_server, page, browser) -> None:
    add_lead(app, desk, "+84912345676")
    context, dashboard = open_as_boss(app, browser, live_server)
    dashboard.goto(f"{live_server.url}/dashboard/campaigns/{desk.campaign_id}")
    wait_figure(dashboard, "dash-total", "1")
    assert figure(dashboard, "dash-dialled") == "0"
    assert figure(dashboard, "dash-contact-rate") == "–"
    assert dashboard.get_by_test_id("dash-live").is_visible()
    wallboard = context.new_page()
    wallboard.goto(live_server.url + "/supervisor/")
    wallboard.get_by_test_id("board-live").wait_for()

    sign_in(page, live_server)
    wallboard.get_by_test_id("agent-row-agent1").wait_for()
    page.get_by_test_id("get-lead").click()
    page.get_by_test_id("lead").wait_for()
    page.get_by_test_id("call-lead").click()
    wait_state(page, "wrapup")  # answered, then the customer hung up

    wait_figure(dashboard, "dash-calls", "1")
    assert figure(dashboard, "dash-dialled") == "1"
    assert figure(dashboard, "dash-finished") == "1"
    assert figure(dashboard, "dash-contact-rate") == "100%"
    assert figure(dashboard, "dash-completion-rate") == "0%"
    outcome = dashboard.locator("[data-testid=dash-outcomes] tr[data-status=ANSWER]")
    assert outcome.inner_text().split() == ["Answered", "1"]
    assert "After call" in dashboard.get_by_test_id("dash-agents").inner_text()

    row = wallboard.get_by_test_id("agent-row-agent1")
    wallboard.wait_for_function(
        "() => document.querySelector('[data-testid=agent-row-agent1] [data-testid=agent-state]')"
        ".textContent === 'After call'"
    )
    assert row.get_by_test_id("agent-campaign").inner_text() == "Q4 survey"
    assert wallboard.get_by_test_id("count-wrapup").inner_text().split()[-1] == "1"
    assert ":" in row.get_by_test_id("in-state").inner_text()  # an elapsed M:SS, not a clock
    context.close()


@pytest.mark.parametrize("language", ["en", "vi"])
def test_the_floor_pages_fit_a_390_px_phone(app, desk, live_server, browser, language: str) -> None:
    context, tab = open_as_boss(app, browser, live_server, width=390, language=language)
    tab.goto(f"{live_server.url}/dashboard/campaigns/{desk.campaign_id}")
    wait_figure(tab, "dash-total", "0")
    tab.locator("#hours-chart").wait_for()
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390
    contact = "Tỉ lệ liên lạc được" if language == "vi" else "Contact rate"
    assert contact in tab.inner_text("main")
    tab.goto(live_server.url + "/supervisor/")
    tab.get_by_test_id("board-live").wait_for()
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390
    heading = "Điện thoại viên đang đăng nhập" if language == "vi" else "Agents signed in"
    assert heading in tab.inner_text("h1")
    for path in ("/reports/agents/", "/history/"):
        tab.goto(live_server.url + path)
        assert tab.evaluate("document.documentElement.scrollWidth") <= 390, path
    context.close()
