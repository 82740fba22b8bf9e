"""axe-core finds no serious or critical violation on the agent desktop (idle, with a lead, on a
call) nor on the manager, supervisor and admin pages."""

from __future__ import annotations

import json

import pytest

from tests.support.axe import severe_violations
from tests.support.staff_pages import sign_in_as_admin, staff_pages

pytestmark = pytest.mark.browser


def report(found: dict) -> str:
    """One line per page and rule, with the first elements at fault."""
    return "\n".join(
        f"{path}: {v['impact']} {v['id']} ({v['help']}) at "
        + json.dumps(v["nodes"], ensure_ascii=False)
        for path, violations in found.items()
        for v in violations
    )


@pytest.fixture
def axe_page(browser):
    # The pages forbid inline scripts, which is how axe is injected.
    context = browser.new_context(locale="en-US", timezone_id="Asia/Ho_Chi_Minh", bypass_csp=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_the_staff_pages_have_no_serious_accessibility_violation(
    seeded, live_server, axe_page
) -> None:
    sign_in_as_admin(axe_page, live_server.url)
    found = {}
    for path in staff_pages(seeded):
        response = axe_page.goto(live_server.url + path)
        assert response.status == 200, path
        violations = severe_violations(axe_page)
        if violations:
            found[path] = violations
    assert found == {}, report(found)


@pytest.fixture
def pbx_speed() -> float:
    return 0.1


def test_the_agent_desktop_has_no_serious_violation_idle_with_a_lead_on_a_call_and_after(
    app, listener, calls_worker, live_server, axe_page
) -> None:
    from tests.factories.desk import make_desk
    from tests.web.agent.test_desktop_browser import add_lead, sign_in, wait_state

    desk = make_desk(app, leads=0)
    add_lead(app, desk, "+84912345674")  # ...4: answers and stays up until hung up
    page = axe_page
    sign_in(page, live_server)
    found = {"idle": severe_violations(page)}
    page.get_by_test_id("get-lead").click()
    page.get_by_test_id("lead").wait_for()
    found["with a lead"] = severe_violations(page)
    page.get_by_test_id("call-lead").click()
    wait_state(page, "connected")
    found["on a call"] = severe_violations(page)
    page.get_by_test_id("hangup").click()
    wait_state(page, "wrapup")
    found["in wrap-up"] = severe_violations(page)
    found = {state: violations for state, violations in found.items() if violations}
    assert found == {}, report(found)
