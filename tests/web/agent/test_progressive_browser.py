"""Progressive dialing on the desktop, in Chromium, against the app, the PBX simulator over TCP,
the listener and an RQ worker: the survey saved, a countdown, then the call by itself."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from dialer.extensions import db
from dialer.models import Call, Campaign, DialMode
from tests.factories.desk import make_desk
from tests.factories.leads import make_lead
from tests.web.agent.test_desktop_browser import sign_in, wait_state

pytestmark = pytest.mark.browser


@pytest.fixture
def pbx_speed() -> float:
    return 0.1  # a ...0 number rings 0.2 s, talks 0.5 s, then hangs up


@pytest.fixture
def desk(app, listener, calls_worker):
    made = make_desk(app, leads=0, dial_mode=DialMode.PROGRESSIVE, progressive_countdown_s=2)
    with app.app_context():
        campaign = db.session.get(Campaign, made.campaign_id)
        make_lead(db.session, campaign, "+84912345670", first_name="An")  # answers, hangs up
        make_lead(db.session, campaign, "+84912345674", first_name="Bảo")  # answers, stays up
        db.session.commit()
    return made


def answer_survey_and_save(page, desk) -> None:
    rating, yes_no, *_ = desk.question_ids
    page.check(f'input[name="q{rating}"][value="5"]')
    page.check(f'input[name="q{yes_no}"][value="yes"]')
    page.get_by_test_id("save-survey").click()


def calls_made(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Call))


def first_call_to_wrapup(page, live_server) -> None:
    sign_in(page, live_server)
    page.get_by_test_id("get-lead").click()  # a progressive campaign: the countdown starts
    countdown = page.get_by_test_id("countdown")
    countdown.wait_for()
    assert countdown.inner_text().startswith("Next call in")
    assert page.get_by_test_id("lead-phone").inner_text().endswith("(+84912345670)")
    wait_state(page, "wrapup", timeout=20_000)  # dialled by itself, answered, over


def test_saving_the_survey_counts_down_then_calls_the_next_lead(
    app, desk, live_server, page
) -> None:
    first_call_to_wrapup(page, live_server)
    answer_survey_and_save(page, desk)
    countdown = page.get_by_test_id("countdown")
    countdown.wait_for()
    assert re.fullmatch(r"Next call in [0-2] s", page.get_by_test_id("countdown-text").inner_text())
    assert page.get_by_test_id("lead-phone").inner_text().endswith("(+84912345674)")
    assert calls_made(app) == 1  # nothing dialled during the countdown
    wait_state(page, "connected", timeout=15_000)
    assert page.get_by_test_id("call-number").inner_text() == "+84912345674"
    assert countdown.is_hidden()
    assert calls_made(app) == 2
    page.get_by_test_id("hangup").click()
    wait_state(page, "wrapup")


def test_pause_during_the_countdown_places_no_call(app, desk, live_server, page) -> None:
    first_call_to_wrapup(page, live_server)
    answer_survey_and_save(page, desk)
    page.get_by_test_id("countdown").wait_for()
    page.get_by_test_id("pause").click()
    page.get_by_test_id("pause-reason-select").select_option(label="Lunch")
    page.get_by_test_id("pause-confirm").click()
    wait_state(page, "paused")
    assert page.get_by_test_id("countdown").is_hidden()
    page.wait_for_timeout(3_000)  # well past the 2 s countdown: still no second call
    assert calls_made(app) == 1
    page.get_by_test_id("ready").click()
    wait_state(page, "ready")
    page.wait_for_timeout(2_500)  # Ready again: the old countdown does not come back
    assert calls_made(app) == 1
    assert page.get_by_test_id("countdown").is_hidden()
