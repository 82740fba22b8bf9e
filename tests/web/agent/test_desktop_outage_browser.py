"""The desktop in Chromium when its session is replaced or the PBX is gone (issue 13, 1-2)."""

from __future__ import annotations

import pytest

from tests.factories.desk import make_desk
from tests.factories.people import AGENT_PASSWORD
from tests.support.pbx import ListenerThread
from tests.web.agent.test_desktop_browser import sign_in

pytestmark = pytest.mark.browser


def test_a_desktop_replaced_by_a_new_sign_in_says_so_and_stops(
    app, live_server, page, browser, pbx
) -> None:
    make_desk(app, leads=0)
    sign_in(page, live_server)
    other = browser.new_context(locale="en-US")
    again = other.new_page()
    again.goto(live_server.url + "/login")
    again.fill("input[name=username]", "agent1")
    again.fill("input[name=password]", AGENT_PASSWORD)
    again.fill("input[name=extension]", "1001")
    again.click("button[type=submit].primary")
    again.get_by_test_id("agent-bar").wait_for()
    page.get_by_test_id("gone-dialog").wait_for()
    assert "signed in again somewhere else" in page.get_by_test_id("gone-text").inner_text()
    assert page.get_by_test_id("get-lead").is_disabled()
    assert not again.get_by_test_id("gone-dialog").is_visible()  # the new one works on
    other.close()


def test_the_desktop_shows_pbx_unreachable_as_soon_as_the_link_drops(
    app, live_server, page, pbx
) -> None:
    app.config.update(AMI_PING_INTERVAL=0.3, AMI_RESPONSE_TIMEOUT=0.5, AMI_CONNECT_TIMEOUT=0.5)
    make_desk(app, leads=0)
    listener = ListenerThread(app).start()
    try:
        sign_in(page, live_server)
        assert not page.get_by_test_id("pbx-alert").is_visible()
        pbx.stop()
        page.get_by_test_id("pbx-alert").wait_for(state="visible", timeout=10_000)
        assert "PBX unreachable" in page.get_by_test_id("pbx-alert").inner_text()
    finally:
        listener.stop()
