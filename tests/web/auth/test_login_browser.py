"""In a real browser: an agent and a manager sign in and see their pages."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_agent_signs_in_and_sees_the_agent_bar(seeded, live_server, page) -> None:
    page.goto(live_server.url + "/login")
    page.fill("input[name=username]", "agent1")
    page.fill("input[name=password]", "agent-demo")
    page.fill("input[name=extension]", "1001")
    page.click("button[type=submit].primary")
    bar = page.get_by_test_id("agent-bar")
    bar.wait_for()
    assert page.get_by_test_id("extension").inner_text() == "1001"
    assert page.get_by_test_id("state").inner_text() == "Ready"
    # Ready is blue (A2).
    colour = bar.evaluate("el => getComputedStyle(el).backgroundColor")
    assert colour == "rgb(21, 101, 192)"


def test_manager_signs_in_and_sees_the_campaigns(seeded, live_server, page) -> None:
    page.goto(live_server.url + "/login")
    page.fill("input[name=username]", "manager")
    page.fill("input[name=password]", "manager-demo")
    page.click("button[type=submit].primary")
    table = page.get_by_test_id("campaigns")
    table.wait_for()
    assert "Chăm sóc khách hàng Q4" in table.inner_text()


def test_the_login_page_switches_to_vietnamese(seeded, live_server, page) -> None:
    page.goto(live_server.url + "/login")
    page.click("button.lang[value=vi]")
    page.wait_for_selector("text=Mã điện thoại viên")
    assert page.locator("h1").inner_text() == "Đăng nhập"
