"""The agent desktop in Chromium, against the app, the PBX simulator over TCP, the listener and
an RQ worker: states and colours, pauses, Get Lead, the call, outcomes, survey, call-out, logout."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from dialer.extensions import db
from dialer.models import AgentActivity, AgentSession, Role, SurveyResponse
from tests.factories.desk import make_desk
from tests.factories.leads import make_lead
from tests.factories.people import AGENT_PASSWORD, make_user
from tests.support.waiting import wait_until

pytestmark = pytest.mark.browser

BLUE, GREY = "rgb(21, 101, 192)", "rgb(117, 117, 117)"
YELLOW, RED = "rgb(249, 168, 37)", "rgb(198, 40, 40)"


@pytest.fixture
def pbx_speed() -> float:
    # Slow enough for a person (and Playwright) to see each colour: a ...6 number
    # rings the customer for 2 s and talks for 0.5 s; a ...2 number rings 3 s (the
    # 30 s dial timeout) before NOANSWER.
    return 0.1


@pytest.fixture
def desk(app, listener, calls_worker):
    return make_desk(app, leads=0)


def add_lead(app, desk, phone: str) -> int:
    with app.app_context():
        from dialer.models import Campaign

        campaign = db.session.get(Campaign, desk.campaign_id)
        lead = make_lead(
            db.session,
            campaign,
            phone,
            first_name="Bình",
            last_name="Trần Thị",
            email="binh@example.vn",
            custom={"Tỉnh/Thành": "Hà Nội"},
        )
        db.session.commit()
        return lead.id


def sign_in(page, live_server) -> None:
    page.goto(live_server.url + "/login")
    page.fill("input[name=username]", "agent1")
    page.fill("input[name=password]", AGENT_PASSWORD)
    page.fill("input[name=extension]", "1001")
    page.click("button[type=submit].primary")
    page.get_by_test_id("agent-bar").wait_for()
    page.wait_for_selector("body[data-ready]", state="attached")


def bar_colour(page) -> str:
    return page.get_by_test_id("agent-bar").evaluate("el => getComputedStyle(el).backgroundColor")


def wait_state(page, state: str, timeout: float = 10_000) -> None:
    page.wait_for_selector(f"#agent-bar[data-state={state}]", timeout=timeout)


def test_login_with_extension_shows_a_blue_ready_bar(app, desk, live_server, page) -> None:
    sign_in(page, live_server)
    assert page.get_by_test_id("state").inner_text() == "Ready"
    assert page.get_by_test_id("extension").inner_text() == "1001"
    assert bar_colour(page) == BLUE
    assert page.get_by_test_id("timer-label").inner_text() == "Time worked"
    queues = page.get_by_test_id("queues")
    assert queues.inner_text() == "support"
    assert page.get_by_test_id("login-time").inner_text()


def test_a_long_queue_list_is_cut_with_dots_and_shown_whole_on_hover(
    app, desk, live_server, page
) -> None:
    with app.app_context():
        from dialer.models import Queue, QueueMember

        for name in ("sales", "vip-care"):
            db.session.add(QueueMember(queue=Queue(name=name), user_id=desk.agent_id))
        db.session.commit()
    sign_in(page, live_server)
    queues = page.get_by_test_id("queues")
    assert queues.inner_text() == "sales, sup..."
    assert queues.get_attribute("title") == "sales, support, vip-care"


def test_pause_needs_a_reason_then_is_grey_and_timed(app, desk, live_server, page) -> None:
    sign_in(page, live_server)
    page.get_by_test_id("pause").click()
    page.get_by_test_id("pause-confirm").click()
    assert page.get_by_test_id("pause-error").inner_text() == "Pick a pause reason first."
    assert page.get_by_test_id("agent-bar").get_attribute("data-state") == "ready"
    page.get_by_test_id("pause-reason-select").select_option(label="Lunch")
    page.get_by_test_id("pause-confirm").click()
    wait_state(page, "paused")
    assert bar_colour(page) == GREY
    assert page.get_by_test_id("pause-reason").inner_text() == "(Lunch)"
    assert page.get_by_test_id("timer-label").inner_text() == "Paused for"
    assert page.get_by_test_id("get-lead").is_disabled()
    page.get_by_test_id("ready").click()
    wait_state(page, "ready")
    assert bar_colour(page) == BLUE
    with app.app_context():
        pause = db.session.scalar(select(AgentActivity).where(AgentActivity.kind == "pause"))
        assert pause.ended_at is not None and pause.duration_s is not None


def test_get_lead_then_the_call_goes_yellow_then_red_then_ends(
    app, desk, live_server, page
) -> None:
    add_lead(app, desk, "+84912345676")  # ...6: rings 2 s, talks 0.5 s, hangs up
    sign_in(page, live_server)
    page.get_by_test_id("get-lead").click()
    page.get_by_test_id("lead").wait_for()
    assert page.get_by_test_id("lead-name").inner_text() == "Trần Thị Bình"
    assert "+84912345676" in page.get_by_test_id("lead-phone").inner_text()
    assert page.get_by_test_id("lead-email").inner_text() == "binh@example.vn"
    assert "Hà Nội" in page.get_by_test_id("lead-custom").inner_text()
    assert page.get_by_test_id("campaign-description").inner_text() == "Ask how the service was."
    assert page.get_by_test_id("survey").is_visible()
    page.get_by_test_id("call-lead").click()
    wait_state(page, "ringing")
    assert bar_colour(page) == YELLOW
    assert page.get_by_test_id("callout-number").is_disabled()
    wait_state(page, "connected")
    assert bar_colour(page) == RED
    assert page.get_by_test_id("timer-label").inner_text() == "Talk time"
    wait_state(page, "wrapup")  # answered, the survey waits
    assert page.get_by_test_id("call-state").inner_text() == "Call ended: Answered"


@pytest.mark.parametrize(
    ("last_digit", "outcome"),
    [("0", "Answered"), ("1", "Busy"), ("2", "No answer"), ("3", "Failed")],
)
def test_each_outcome_by_the_numbers_last_digit(
    app, desk, live_server, page, last_digit: str, outcome: str
) -> None:
    sign_in(page, live_server)
    page.get_by_test_id("callout-number").fill(f"091234567{last_digit}")
    page.get_by_test_id("callout-number").press("Enter")
    page.wait_for_selector(f"text=Call ended: {outcome}")
    wait_state(page, "ready")
    assert not page.get_by_test_id("callout-button").is_disabled()


def test_cancel_before_the_customer_answers(app, desk, live_server, page) -> None:
    sign_in(page, live_server)
    page.get_by_test_id("callout-number").fill("0912345672")  # ...2: rings until cancelled
    page.get_by_test_id("callout-button").click()
    page.wait_for_selector("text=Dialling the customer...")
    page.get_by_test_id("hangup").click()
    page.wait_for_selector("text=Call ended: Cancelled")
    wait_state(page, "ready")


def test_manual_call_out_disables_the_number_box_during_the_call(
    app, desk, live_server, page
) -> None:
    sign_in(page, live_server)
    box, button = page.get_by_test_id("callout-number"), page.get_by_test_id("callout-button")
    box.fill("abc")
    button.click()
    page.wait_for_selector("text=This is not a phone number that can be dialled.")
    box.fill("0912 345 674")  # ...4: answers and stays up until hung up
    box.press("Enter")
    wait_state(page, "connected")
    assert box.is_disabled() and button.is_disabled()
    assert page.get_by_test_id("call-number").inner_text() == "+84912345674"
    page.get_by_test_id("hangup").click()
    wait_state(page, "ready")
    assert not box.is_disabled() and not button.is_disabled()


def test_the_survey_names_each_missing_answer_and_a_double_click_saves_once(
    app, desk, live_server, page
) -> None:
    add_lead(app, desk, "+84912345670")  # ...0: answered
    sign_in(page, live_server)
    page.get_by_test_id("get-lead").click()
    page.get_by_test_id("call-lead").click()
    wait_state(page, "wrapup", timeout=15_000)
    rating, yes_no, *_ = desk.question_ids
    save = page.get_by_test_id("save-survey")
    save.click()
    page.wait_for_selector(
        f'[data-error-for="{rating}"]:has-text("This question needs an answer.")'
    )
    assert page.locator(f'[data-error-for="{yes_no}"]').inner_text() == (
        "This question needs an answer."
    )
    assert not save.is_disabled()  # nothing was saved: fix and save again
    page.check(f'input[name="q{rating}"][value="4"]')
    page.check(f'input[name="q{yes_no}"][value="yes"]')
    save.dblclick()
    page.wait_for_selector("text=Survey saved. You are Ready for the next lead.")
    wait_state(page, "ready")
    assert save.is_disabled() or not save.is_visible()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1


def test_a_retried_survey_request_saves_exactly_once(app, desk, live_server, page) -> None:
    add_lead(app, desk, "+84912345670")
    sign_in(page, live_server)
    page.get_by_test_id("get-lead").click()
    page.get_by_test_id("call-lead").click()
    wait_state(page, "wrapup", timeout=15_000)
    rating, yes_no, *_ = desk.question_ids
    statuses = page.evaluate(
        """async ([rating, yesNo]) => {
            const token = document.querySelector('meta[name="csrf-token"]').content;
            const callId = (await (await fetch('/api/agent')).json()).call.id;
            const send = () => fetch('/api/calls/' + callId + '/survey', {
                method: 'PUT',
                headers: {'Content-Type': 'application/json', 'X-CSRFToken': token,
                          'Idempotency-Key': 'same-key-twice'},
                body: JSON.stringify({answers: {[rating]: 3, [yesNo]: 'no'}}),
            }).then(r => r.status);
            return Promise.all([send(), send()]);
        }""",
        [rating, yes_no],
    )
    assert sorted(statuses) == [200, 201]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1


def test_logout_asks_yes_or_no(app, desk, live_server, page) -> None:
    sign_in(page, live_server)
    page.get_by_test_id("logout").click()
    assert page.get_by_test_id("logout-dialog").is_visible()
    page.get_by_test_id("logout-no").click()
    assert not page.get_by_test_id("logout-dialog").is_visible()
    assert page.get_by_test_id("agent-bar").is_visible()
    page.get_by_test_id("logout").click()
    page.get_by_test_id("logout-yes").click()
    page.wait_for_url("**/login")
    with app.app_context():
        assert db.session.scalar(select(AgentSession.logout_at)) is not None


def test_a_forced_logout_is_seen_live(app, desk, live_server, page, browser) -> None:
    with app.app_context():
        make_user(db.session, "boss", role=Role.SUPERVISOR, password="boss-pass")
        db.session.commit()
    sign_in(page, live_server)
    boss_context = browser.new_context(locale="en-US")
    boss = boss_context.new_page()
    boss.goto(live_server.url + "/login")
    boss.fill("input[name=username]", "boss")
    boss.fill("input[name=password]", "boss-pass")
    boss.click("button[type=submit].primary")
    boss.goto(live_server.url + "/supervisor/")
    boss.on("dialog", lambda dialog: dialog.accept())
    boss.get_by_test_id("force-logout-agent1").click()
    boss.wait_for_selector("text=agent1 is signed out.")
    page.get_by_test_id("gone-dialog").wait_for()
    assert page.get_by_test_id("gone-text").inner_text() == "A supervisor (Boss) signed you out."
    assert page.get_by_test_id("get-lead").is_disabled()
    boss_context.close()


def test_an_unregistered_phone_blocks_calling_with_the_reason(
    app, desk, live_server, page, pbx
) -> None:
    sign_in(page, live_server)
    pbx.set_registered("1001", False)
    wait_state(page, "unavailable")
    assert "is not registered or cannot be reached" in page.get_by_test_id("alert").inner_text()
    assert page.get_by_test_id("callout-button").is_disabled()
    pbx.set_registered("1001", True)
    wait_state(page, "ready")
    assert not page.get_by_test_id("alert").is_visible()


def test_a_slow_reread_never_puts_back_a_state_older_than_the_last_push(
    app, desk, live_server, page, pbx
) -> None:
    # The page re-reads its bar when its stream (re)connects. Hold that read's answer (Ready)
    # until the phone has gone and the listener has recorded it (the push on its way): the
    # answer arrives last, and the bar must still say what the push said.
    held: list[str] = []

    def hold_first_read(route) -> None:
        if held:
            return route.continue_()
        answer = route.fetch()
        held.append(answer.json()["state"])
        pbx.set_registered("1001", False)
        wait_until(
            lambda: agent_state(app) == "unavailable" or None,
            timeout=10.0,
            message="the listener to record the phone gone",
        )
        time.sleep(0.5)  # the push reaches the page
        route.fulfill(response=answer)

    page.route("**/api/agent", hold_first_read)
    sign_in(page, live_server)
    wait_state(page, "unavailable")
    page.wait_for_timeout(1000)  # any late answer has landed by now
    assert held == ["ready"]
    assert page.get_by_test_id("agent-bar").get_attribute("data-state") == "unavailable"


def agent_state(app) -> str:
    with app.app_context():
        state = db.session.scalar(
            select(AgentSession.state).where(AgentSession.logout_at.is_(None))
        )
        db.session.remove()
        return str(state)


def test_signing_in_on_an_unregistered_phone_shows_the_error_state(
    app, desk, live_server, page, pbx
) -> None:
    pbx.set_registered("1001", False)
    sign_in(page, live_server)
    wait_state(page, "unavailable")
    assert page.get_by_test_id("state").inner_text() == "Extension unavailable"
    assert page.get_by_test_id("get-lead").is_disabled()
