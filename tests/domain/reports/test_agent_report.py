"""The agent report, figure by figure, against a day worked through the agents' own functions."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dialer.domain.campaigns import answers as survey_answers
from dialer.domain.people import agents
from dialer.domain.reports.agent_report import agent_report, report_columns
from dialer.extensions import db
from tests.domain.reports.test_dashboard import place_call
from tests.factories.calls import answered_call
from tests.factories.campaigns import MORNING, make_campaign, standard_survey
from tests.factories.leads import make_lead
from tests.factories.people import make_agent, make_pause_reason

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2026, 11, 24)  # MORNING is 10:00 on this day in Ho Chi Minh City


def test_a_worked_day_figure_by_figure(ctx) -> None:
    user, _ = make_agent(db.session, "agent1", "1001", queues=("support",))  # signs in at 10:00
    survey = standard_survey(db.session)
    campaign = make_campaign(db.session, agents=[user], survey=survey)
    for i in range(2):
        make_lead(db.session, campaign, f"+8491234560{i}")
    answered, _ = place_call(user.id, campaign.id, "ANSWER", MORNING)  # 40 s of talk
    rating, yes_no, *_ = [q.id for q in survey.questions]
    survey_answers.save_answers(
        db.session, user.id, answered, "k1", {str(rating): "4", str(yes_no): "no"}, MORNING
    )
    place_call(user.id, campaign.id, "BUSY", MORNING + timedelta(minutes=2))  # 40 s of ringing
    answered_call(db.session, "0912000001", "1001", MORNING + timedelta(minutes=5), talk_s=60)
    lunch = make_pause_reason(db.session, "lunch", "Lunch")
    agents.pause(db.session, user.id, lunch.id, MORNING + timedelta(minutes=10))
    agents.unpause(db.session, user.id, MORNING + timedelta(minutes=40))
    agents.sign_out(db.session, user, now=MORNING + timedelta(hours=2))
    db.session.flush()

    [row] = agent_report(db.session, DAY, DAY, ZONE, MORNING + timedelta(hours=3))
    assert (row.agent_id, row.day) == ("agent1", DAY)
    assert row.first_login == MORNING
    assert row.last_logout == MORNING + timedelta(hours=2)
    assert row.signed_in_s == 7200
    assert (row.paused_s, row.paused_by_reason) == (1800, {"Lunch": 1800})
    assert row.outbound == {"ANSWER": 1, "BUSY": 1}
    assert row.inbound == {"COMPLETECALLER": 1}
    assert row.talk_s == 40 + 60
    assert row.wait_s == 0 + 40 + 5  # the inbound caller held 5 s
    assert row.ready_s == 7200 - 1800 - 45 - 100  # signed in, less pauses, less calls
    assert row.surveys == 1
    assert report_columns([row]) == {
        "reasons": ["Lunch"],
        "outbound": ["ANSWER", "BUSY"],
        "inbound": ["COMPLETECALLER"],
    }


def test_a_session_over_midnight_is_cut_between_the_two_days(ctx) -> None:
    late = datetime(2026, 11, 24, 23, 30, tzinfo=ZONE)
    user, _ = make_agent(db.session, "night", "1009", now=late)
    make_agent(db.session, "idle", "1010", signed_in=False)
    agents.sign_out(db.session, user, now=late + timedelta(hours=1))
    db.session.flush()
    rows = agent_report(db.session, DAY, DAY + timedelta(days=1), ZONE, late + timedelta(hours=5))
    assert [(r.agent_id, r.day, r.signed_in_s) for r in rows] == [
        ("night", DAY, 1800),
        ("night", DAY + timedelta(days=1), 1800),
    ]
    assert (rows[0].first_login, rows[0].last_logout) == (late, None)
    assert (rows[1].first_login, rows[1].last_logout) == (None, late + timedelta(hours=1))


def test_an_open_session_and_pause_count_up_to_now(ctx) -> None:
    user, _ = make_agent(db.session, "agent1", "1001")
    reason = make_pause_reason(db.session)
    agents.pause(db.session, user.id, reason.id, MORNING + timedelta(minutes=30))
    db.session.flush()
    now = MORNING + timedelta(hours=1)
    [row] = agent_report(db.session, DAY, DAY, ZONE, now, agent_id=user.id)
    assert (row.signed_in_s, row.paused_s, row.ready_s) == (3600, 1800, 1800)
    assert row.last_logout is None
