"""The desk's second pass in Chromium, against the PBX simulator: survey answers are never lost,
Ready in wrap-up asks first, and the agent's own phone failing is told apart from the customer."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dialer.extensions import db
from dialer.models import Call, Lead, LeadStatus
from tests.factories.desk import make_desk
from tests.factories.leads import make_lead
from tests.factories.people import AGENT_PASSWORD, make_extension

pytestmark = pytest.mark.browser


@pytest.fixture
def pbx_speed() -> float:
    # A tenth of real time: the agent's phone rings out (30 s) in 3 s.
    return 0.1


@pytest.fixture
def desk(app, listener, calls_worker):
    return make_desk(app, leads=0)


def add_lead(app, desk, phone: str) -> int:
    with app.app_context():
        from dialer.models import Campaign

        lead = make_lead(db.session, db.session.get(Campaign, desk.campaign_id), phone)
        db.session.commit()
        return lead.id


def sign_in(page, live_server, extension: str = "1001") -> None:
    page.goto(live_server.url + "/login")
    page.fill("input[name=username]", "agent1")
    page.fill("input[name=password]", AGENT_PASSWORD)
    page.fill("input[name=extension]", extension)
    page.click("button[type=submit].primary")
    page.get_by_test_id("agent-bar").wait_for()
    page.wait_for_selector("body[data-ready]", state="attached")


def wait_state(page, state: str, timeout: float = 15_000) -> None:
    page.wait_for_selector(f"#agent-bar[data-state={state}]", timeout=timeout)


def call_the_lead(page) -> None:
    page.get_by_test_id("get-lead").click()
    page.get_by_test_id("lead").wait_for()
    page.get_by_test_id("call-lead").click()


def test_answers_typed_during_the_call_survive_a_reload_and_a_language_switch(
    app, desk, live_server, page
) -> None:
    add_lead(app, desk, "+84912345674")  # ...4: answers and stays up until hung up
    sign_in(page, live_server)
    call_the_lead(page)
    wait_state(page, "connected")
    rating, yes_no, _plan, text = desk.question_ids
    page.check(f'input[name="q{rating}"][value="4"]')
    page.check(f'input[name="q{yes_no}"][value="no"]')
    page.fill(f'textarea[name="q{text}"]', "Gọi lại sau 5 giờ chiều")
    page.wait_for_selector('#survey-panel[data-draft="kept"]')
    page.reload()
    page.wait_for_selector("body[data-ready]", state="attached")
    assert page.is_checked(f'input[name="q{rating}"][value="4"]')
    assert page.is_checked(f'input[name="q{yes_no}"][value="no"]')
    assert page.input_value(f'textarea[name="q{text}"]') == "Gọi lại sau 5 giờ chiều"
    page.check(f'input[name="q{rating}"][value="2"]')
    page.wait_for_selector('#survey-panel[data-draft="kept"]')
    page.click('button[name="language"][value="vi"]')
    page.wait_for_selector("html[lang=vi]")
    page.wait_for_selector("body[data-ready]", state="attached")
    assert page.is_checked(f'input[name="q{rating}"][value="2"]')
    assert page.input_value(f'textarea[name="q{text}"]') == "Gọi lại sau 5 giờ chiều"


def test_a_survey_saved_during_the_call_does_not_say_ready(app, desk, live_server, page) -> None:
    add_lead(app, desk, "+84912345674")
    sign_in(page, live_server)
    call_the_lead(page)
    wait_state(page, "connected")
    rating, yes_no, *_ = desk.question_ids
    page.check(f'input[name="q{rating}"][value="5"]')
    page.check(f'input[name="q{yes_no}"][value="yes"]')
    page.get_by_test_id("save-survey").click()
    page.wait_for_selector('[data-testid="message"]:has-text("Survey saved.")')
    assert page.get_by_test_id("message").inner_text() == "Survey saved."
    assert page.get_by_test_id("agent-bar").get_attribute("data-state") == "connected"
    page.get_by_test_id("hangup").click()
    wait_state(page, "ready")  # the survey is saved: no wrap-up


def test_ready_in_wrap_up_asks_for_the_survey_first(app, desk, live_server, page) -> None:
    add_lead(app, desk, "+84912345670")  # ...0: answered, then wrap-up
    sign_in(page, live_server)
    call_the_lead(page)
    wait_state(page, "wrapup")
    rating, *_ = desk.question_ids
    page.check(f'input[name="q{rating}"][value="3"]')
    page.get_by_test_id("ready").click()
    page.get_by_test_id("wrapup-dialog").wait_for()
    page.get_by_test_id("wrapup-back").click()
    assert not page.get_by_test_id("wrapup-dialog").is_visible()
    assert page.get_by_test_id("agent-bar").get_attribute("data-state") == "wrapup"
    assert page.is_checked(f'input[name="q{rating}"][value="3"]')  # nothing was dropped
    page.get_by_test_id("ready").click()
    page.get_by_test_id("wrapup-leave").click()
    wait_state(page, "ready")


def test_the_agents_own_phone_not_answering_is_told_and_does_not_charge_the_lead(
    app, desk, live_server, page
) -> None:
    with app.app_context():
        make_extension(db.session, "2001")  # the simulator's 2xxx phones never answer
        db.session.commit()
    lead_id = add_lead(app, desk, "+84912345670")
    sign_in(page, live_server, extension="2001")
    # The ringing line is shown only while the phone rings: record every text the call line
    # takes, so a loaded machine cannot make the test miss it.
    page.evaluate(
        """() => {
            const line = document.querySelector('[data-testid="call-state"]');
            window.callLines = [];
            new MutationObserver(() => window.callLines.push(line.textContent)).observe(
                line, {childList: true, characterData: true, subtree: true});
        }"""
    )
    call_the_lead(page)
    page.wait_for_selector('[data-testid="message"]:has-text("Your phone did not answer")')
    lines = page.evaluate("() => window.callLines")
    assert any("Your phone is ringing: pick it up" in line for line in lines), lines
    wait_state(page, "ready")
    assert page.get_by_test_id("lead").is_visible()
    assert page.get_by_test_id("lead-attempts").inner_text().startswith("0 /")
    with app.app_context():
        lead = db.session.get(Lead, lead_id)
        assert (lead.status, lead.attempts, lead.last_status) == (LeadStatus.CLAIMED, 0, None)
        assert db.session.scalar(select(Call.agent_leg)) == "no_answer"
    page.get_by_test_id("call-lead").click()  # the second unanswered ring pauses the agent
    wait_state(page, "paused")
    assert "your phone rang several times" in page.get_by_test_id("alert").inner_text()
    assert page.get_by_test_id("pause-reason").inner_text() == "(Phone not answered)"


def test_the_survey_is_beside_the_lead_without_scrolling_at_1366x768(
    app, desk, live_server, page
) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    add_lead(app, desk, "+84912345674")
    sign_in(page, live_server)
    page.get_by_test_id("get-lead").click()
    page.get_by_test_id("lead").wait_for()
    lead = page.get_by_test_id("lead").bounding_box()
    survey = page.get_by_test_id("survey").bounding_box()
    save = page.get_by_test_id("save-survey").bounding_box()
    assert survey["x"] >= lead["x"] + lead["width"]  # beside the lead, not below it
    assert save["y"] + save["height"] <= 768  # the whole survey, Save included, on screen
    assert page.get_by_test_id("call-lead").bounding_box()["y"] < 768
    assert page.evaluate("window.scrollY") == 0


def test_shortcuts_work_are_listed_and_the_focus_follows_the_work(
    app, desk, live_server, page
) -> None:
    add_lead(app, desk, "+84912345670")  # ...0: answered, then wrap-up
    sign_in(page, live_server)
    active = "document.activeElement.dataset.testid"
    assert page.evaluate(active) == "campaign"  # the first field has the focus
    assert "Alt+G" in page.get_by_test_id("get-lead").inner_text()
    page.keyboard.press("?")
    dialog = page.get_by_test_id("shortcuts-dialog")
    assert dialog.is_visible() and "Get Lead" in dialog.inner_text()
    page.get_by_test_id("shortcuts-close").click()
    page.keyboard.press("Alt+g")
    page.get_by_test_id("lead").wait_for()
    page.wait_for_function(f"{active} === 'call-lead'")
    page.keyboard.press("Alt+c")
    wait_state(page, "wrapup")
    rating, *_ = desk.question_ids
    page.wait_for_function(f"document.activeElement.name === 'q{rating}'")
