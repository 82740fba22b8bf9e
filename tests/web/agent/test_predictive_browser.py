"""Predictive dialing on the agent's screen, in Chromium: the dialer calls, the queue bridges the
answered customer to the agent, and the desktop shows the lead and its survey at once."""

from __future__ import annotations

import pytest

from dialer.models import DialMode
from tests.factories.desk import make_desk
from tests.web.agent.test_desktop_browser import add_lead, sign_in, wait_state

pytestmark = pytest.mark.browser


@pytest.fixture
def pbx_speed() -> float:
    return 0.1  # a ...4 number rings 0.1 s, answers and stays on the line


@pytest.fixture
def fast_pacing(app):
    app.config["DIALER_PACING_TICK_S"] = 0.2
    return app


@pytest.fixture
def desk(app, fast_pacing, listener, calls_worker):
    return make_desk(app, leads=0, dial_mode=DialMode.PREDICTIVE)


def test_the_bridged_call_brings_its_lead_and_survey_to_the_screen(
    app, desk, live_server, page
) -> None:
    sign_in(page, live_server)
    wait_state(page, "ready")

    add_lead(app, desk, "0912345674")  # the dialer calls it; the customer answers

    wait_state(page, "connected")
    page.get_by_test_id("lead-name").wait_for()
    assert page.get_by_test_id("lead-name").inner_text() == "Trần Thị Bình"
    assert "0912345674" in page.get_by_test_id("lead-phone").inner_text()
    page.get_by_test_id("survey").wait_for()
    assert page.get_by_test_id("survey").is_visible()
