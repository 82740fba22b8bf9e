"""The campaign dashboard's figures, against calls made the way agents make them."""

from __future__ import annotations

import json
import threading
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from dialer import live, snapshots
from dialer.domain.campaigns import answers as survey_answers
from dialer.domain.dialing import compliance
from dialer.domain.dialing import outbound as dialing
from dialer.domain.dialing.events import apply_port_event
from dialer.domain.notices import CAMPAIGN_CHANGED
from dialer.domain.reports import dashboard, filters, periods
from dialer.extensions import db, redis_hub
from dialer.models import AgentState, CampaignStatus, Lead, LeadStatus
from dialer.snapshots import read_dashboard
from dialer.telephony.port import CallConnected, CallEnded, Party
from tests.factories.campaigns import MORNING, make_campaign, standard_survey
from tests.factories.leads import make_lead
from tests.factories.people import make_agent

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2026, 11, 24)


def place_call(user_id: int, campaign_id: int, status: str, at: datetime) -> tuple[int, list]:
    """Get Lead, Call, and the PBX's events to the outcome; the call's id and its notices."""
    claimed = dialing.claim_next_lead(db.session, user_id, campaign_id, at)
    call, notices = dialing.start_call(db.session, user_id, at, lead_id=claimed.lead.id)
    dialing.prepare_originate(db.session, call.id, at, ring_timeout_s=30, dial_timeout_s=30)
    if status == "ANSWER":
        apply_port_event(db.session, CallConnected(at=at, call_uid=call.call_uid))
    notices += apply_port_event(
        db.session,
        CallEnded(
            at=at + timedelta(seconds=40),
            call_uid=call.call_uid,
            status=status,
            cause=16,
            hung_up_by=Party.CUSTOMER,
        ),
    )
    return call.id, notices


@pytest.fixture
def floor(ctx):  # noqa: ANN001, ANN201
    """Two agents, five leads: two answered (one surveyed), one busy, one no answer, one new."""
    one, _ = make_agent(db.session, "agent1", "1001")
    two, _ = make_agent(db.session, "agent2", "1002")
    survey = standard_survey(db.session)
    campaign = make_campaign(db.session, agents=[one, two], survey=survey)
    for i in range(5):
        make_lead(db.session, campaign, f"+8491234560{i}")
    answered, notices = place_call(one.id, campaign.id, "ANSWER", MORNING)
    rating, yes_no, *_rest = [q.id for q in survey.questions]
    saved = survey_answers.save_answers(
        db.session, one.id, answered, "k1", {str(rating): "5", str(yes_no): "yes"}, MORNING
    )
    notices += saved.notices
    for status in ("BUSY", "NOANSWER"):
        notices += place_call(one.id, campaign.id, status, MORNING)[1]
    notices += place_call(two.id, campaign.id, "ANSWER", MORNING)[1]  # agent2 stays in wrap-up
    db.session.flush()
    return campaign, one, two, notices


def test_every_figure_counts_what_the_agents_did(floor) -> None:
    campaign, _one, _two, _notices = floor
    now = MORNING + timedelta(minutes=1)
    figures = dashboard.campaign_dashboard(db.session, campaign, DAY, ZONE, now)
    assert figures["leads"] == {
        "total": 5,
        "dialled": 4,
        "finished": 2,  # the two answered
        "held": 0,
        "dialable_now": 1,  # the new lead; the busy and no-answer retries are not due yet
        "is_dialable_capped": False,
    }
    assert figures["why_not"] is None
    assert figures["outcomes"] == {"ANSWER": 2, "BUSY": 1, "NOANSWER": 1}
    assert (figures["calls_ended"], figures["answered"], figures["surveys"]) == (4, 2, 1)
    assert figures["contact_rate"] == 0.5
    assert figures["completion_rate"] == 0.5
    assert figures["attempts_per_lead"] == 1.0
    hours = figures["calls_per_hour"]
    assert len(hours) == 24 and hours[10] == 4 and sum(hours) == 4  # 10:00 in Ho Chi Minh City
    states = {a["agent_id"]: a["state"] for a in figures["agents"]}
    assert states == {"agent1": AgentState.READY, "agent2": AgentState.WRAPUP}


def test_a_claimed_last_lead_shows_held_and_the_next_retry_time(floor) -> None:
    campaign, one, _two, _notices = floor
    dialing.claim_next_lead(db.session, one.id, campaign.id, MORNING + timedelta(minutes=1))
    figures = dashboard.campaign_dashboard(
        db.session, campaign, DAY, ZONE, MORNING + timedelta(minutes=2)
    )
    assert (figures["leads"]["held"], figures["leads"]["dialable_now"]) == (1, 0)
    assert figures["why_not"]["code"] == compliance.NEXT_RETRY_LATER
    # The busy lead (15 minutes after its call ended) is the first due again.
    due = MORNING + timedelta(seconds=40) + timedelta(minutes=15)
    assert datetime.fromisoformat(figures["why_not"]["until"]) == due


def test_at_night_nothing_is_dialable_and_the_dashboard_says_until_when(floor) -> None:
    campaign, *_ = floor
    night = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 22:00 in Ho Chi Minh City
    figures = dashboard.campaign_dashboard(db.session, campaign, DAY, ZONE, night)
    assert figures["leads"]["dialable_now"] == 0
    assert figures["why_not"]["code"] == compliance.OUTSIDE_CALLING_HOURS
    assert datetime.fromisoformat(figures["why_not"]["until"]) == datetime(
        2026, 11, 25, 8, 0, tzinfo=ZONE
    )


def test_a_removed_lead_leaves_the_figures(floor) -> None:
    campaign, *_ = floor
    untouched = db.session.scalars(
        select(Lead).where(Lead.campaign_id == campaign.id, Lead.status == LeadStatus.NEW)
    ).one()
    untouched.status = LeadStatus.REMOVED
    figures = dashboard.campaign_dashboard(db.session, campaign, DAY, ZONE, MORNING)
    assert (figures["leads"]["total"], figures["leads"]["dialable_now"]) == (4, 0)


def test_calls_per_hour_follow_the_local_clock(floor) -> None:
    campaign, one, _two, _notices = floor
    campaign.call_start = campaign.call_end = time(0, 0)  # the whole day
    late = datetime(2026, 11, 24, 16, 59, tzinfo=UTC)  # 23:59 local: the day's last hour
    place_call(one.id, campaign.id, "BUSY", late)
    next_day = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)  # 00:00 local on the 25th
    place_call(one.id, campaign.id, "BUSY", next_day)
    hours = dashboard.calls_per_hour(db.session, campaign.id, DAY, ZONE)
    assert (hours[10], hours[23], sum(hours)) == (4, 1, 5)
    assert dashboard.calls_per_hour(db.session, campaign.id, date(2026, 11, 25), ZONE)[0] == 1


def test_a_paused_campaign_has_nothing_dialable(floor) -> None:
    campaign, *_ = floor
    campaign.status = CampaignStatus.PAUSED
    figures = dashboard.campaign_dashboard(db.session, campaign, DAY, ZONE, MORNING)
    assert figures["leads"]["dialable_now"] == 0
    assert figures["why_not"]["code"] == compliance.CAMPAIGN_NOT_RUNNING


def test_calls_and_surveys_tell_the_campaign_dashboards(floor) -> None:
    campaign, _one, _two, notices = floor
    changed = [n for n in notices if n.event == CAMPAIGN_CHANGED]
    # Each call tells at its start and its end; the saved survey once.
    assert len(changed) == 4 * 2 + 1
    assert {n.data["campaign_id"] for n in changed} == {campaign.id}


def test_an_unknown_campaign_is_named(ctx) -> None:
    with pytest.raises(periods.ReportError) as refused:
        dashboard.find_campaign(db.session, 404404)
    assert (refused.value.code, refused.value.params) == (
        filters.CAMPAIGN_UNKNOWN,
        {"campaign": 404404},
    )


def test_dates_and_ranges_are_checked() -> None:
    today = date(2026, 11, 24)
    assert periods.parse_day("", today) == today
    assert periods.parse_range("2026-11-01", "", today) == (date(2026, 11, 1), date(2026, 11, 1))
    with pytest.raises(periods.ReportError) as bad:
        periods.parse_day("24/11/2026", today)
    assert bad.value.code == periods.BAD_DATE and bad.value.params == {"value": "24/11/2026"}
    with pytest.raises(periods.ReportError) as upside_down:
        periods.parse_range("2026-11-24", "2026-11-01", today)
    assert upside_down.value.code == periods.DATES_BACKWARDS


def _poll(read, until, timeout: float = 5.0):  # noqa: ANN001, ANN202
    deadline = clock.monotonic() + timeout
    while clock.monotonic() < deadline:
        value = read()
        if until(value):
            return value
        clock.sleep(0.05)
    raise AssertionError("the condition did not hold in time")


def test_viewers_share_one_cached_copy_recomputed_after_a_change(ctx) -> None:
    client = redis_hub.client
    runs = []

    def compute() -> dict:
        runs.append(1)
        return {"run": len(runs)}

    def read() -> dict:
        return read_dashboard(client, 7, "2026-11-24", compute)

    assert read() == {"run": 1, "is_stale": False}
    assert read() == {"run": 1, "is_stale": False}  # the second viewer reads the copy
    live.publish_campaign_changed(client, 7)
    # Within the second after a recompute, viewers get the old copy flagged stale...
    assert read() == {"run": 1, "is_stale": True}
    # ...then the first to ask after it recomputes, once.
    assert _poll(read, lambda value: not value["is_stale"]) == {"run": 2, "is_stale": False}
    assert len(runs) == 2


def test_one_recompute_at_a_time_and_a_first_viewer_waits_for_it(ctx, monkeypatch) -> None:
    client = redis_hub.client
    key = "dashboard:campaign:8:2026-11-24"
    client.set(f"{key}:lock", 1)  # another viewer is computing the first copy
    threading.Timer(
        0.3, lambda: client.set(key, json.dumps({"at": 1e12, "data": {"run": 1}}))
    ).start()
    runs = []
    assert read_dashboard(client, 8, "2026-11-24", lambda: runs.append(1) or {}) == {
        "run": 1,
        "is_stale": False,
    }
    assert runs == []  # it waited for the other viewer's copy instead of computing its own
    client.delete(key)
    monkeypatch.setattr(snapshots, "FIRST_COPY_WAIT_S", 0.1)
    # The other viewer never finishes: after a bounded wait, this one computes.
    assert read_dashboard(client, 8, "2026-11-24", lambda: {"run": 2})["run"] == 2
