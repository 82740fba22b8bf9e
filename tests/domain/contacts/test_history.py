"""An agent's day in Asia/Ho_Chi_Minh: tabs, totals, 10-row pages, activity, the Show CW box."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from dialer.domain.contacts import history
from dialer.domain.contacts.history import Tab
from dialer.domain.contacts.xcm import save_xcm
from dialer.domain.people import accounts
from dialer.extensions import db
from dialer.models import ActivityKind, AgentActivity, PauseReason, Role, utcnow
from tests.factories.calls import QueueCallScript, answered_call, outbound_call
from tests.factories.people import make_user, signed_in_agent

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2026, 11, 24)
MIDNIGHT = datetime(2026, 11, 24, tzinfo=ZONE).astimezone(UTC)  # 2026-11-23 17:00 UTC


def _a_day_of_calls():
    """Calls on both sides of local midnight; 14 on the 24th: 3 inbound, 11 outbound."""
    agent, _ = signed_in_agent(db.session, at=MIDNIGHT - timedelta(hours=1))
    answered_call(db.session, "0912000001", "1001", MIDNIGHT - timedelta(seconds=90), talk_s=40)
    answered_call(db.session, "0912000002", "1001", MIDNIGHT + timedelta(seconds=30), talk_s=70)
    missed = QueueCallScript(db.session, "0912000003", MIDNIGHT + timedelta(hours=2))
    missed.offer("1001")
    missed.ring_no_answer("1001", after_s=12)
    missed.abandon(after_s=3, hold_s=20)  # no agent rang any more: not the agent's row
    for minute in range(11):
        status = "BUSY" if minute % 4 == 0 else "ANSWER"
        talk = 0 if status == "BUSY" else 30
        outbound_call(
            db.session,
            agent,
            f"09120001{minute:02d}",
            MIDNIGHT + timedelta(hours=3, minutes=minute),
            status=status,
            wait_s=8,
            talk_s=talk,
        )
    outbound_call(db.session, agent, "0912999999", MIDNIGHT + timedelta(days=1, seconds=-1))
    outbound_call(db.session, agent, "0912999998", MIDNIGHT + timedelta(days=1))
    return agent


def test_the_day_follows_the_local_time_zone_not_utc(ctx):
    agent = _a_day_of_calls()
    today = history.agent_history(db.session, agent.id, DAY, ZONE)
    numbers = {row.number for row in today.rows} | {
        row.number for row in history.agent_history(db.session, agent.id, DAY, ZONE, page=2).rows
    }
    assert "+84912000002" in numbers and "+84912999999" in numbers  # 00:00:30 and 23:59:59
    assert "+84912000001" not in numbers and "+84912999998" not in numbers
    yesterday = history.agent_history(db.session, agent.id, DAY - timedelta(days=1), ZONE)
    assert [row.number for row in yesterday.rows] == ["+84912000001"]
    assert yesterday.rows[0].at.astimezone(ZONE).strftime("%H:%M:%S") == "23:58:30"


def test_tabs_and_totals(ctx):
    agent = _a_day_of_calls()
    all_ = history.agent_history(db.session, agent.id, DAY, ZONE).totals
    assert (all_.total, all_.completed, all_.failed) == (14, 1 + 8 + 1, 1 + 3)
    inbound = history.agent_history(db.session, agent.id, DAY, ZONE, tab=Tab.INBOUND).totals
    assert (inbound.total, inbound.completed, inbound.failed) == (2, 1, 1)
    assert (inbound.wait_s, inbound.talk_s) == (5, 70)
    outbound = history.agent_history(db.session, agent.id, DAY, ZONE, tab=Tab.OUTBOUND).totals
    assert (outbound.total, outbound.completed, outbound.failed) == (12, 9, 3)
    assert (outbound.wait_s, outbound.talk_s) == (12 * 8, 9 * 30)
    assert all_.wait_s == inbound.wait_s + outbound.wait_s


def test_ten_rows_a_page_newest_first(ctx):
    agent = _a_day_of_calls()
    first = history.agent_history(db.session, agent.id, DAY, ZONE)
    second = history.agent_history(db.session, agent.id, DAY, ZONE, page=2)
    assert (len(first.rows), len(second.rows), first.pages) == (10, 4, 2)
    times = [row.at for row in first.rows + second.rows]
    assert times == sorted(times, reverse=True)
    assert [row.status for row in second.rows[-2:]] == ["RINGNOANSWER", "COMPLETECALLER"]
    beyond = history.agent_history(db.session, agent.id, DAY, ZONE, page=99)
    assert beyond.page == 2 and beyond.rows == second.rows


def test_another_agents_calls_are_not_in_my_history_and_only_bosses_may_look(ctx):
    agent = _a_day_of_calls()
    other = make_user(db.session, "agent2")
    boss = make_user(db.session, "boss", role=Role.MANAGER)
    assert history.agent_history(db.session, other.id, DAY, ZONE).totals.total == 0
    assert not history.may_view_agent(other, agent.id)
    assert history.may_view_agent(agent, agent.id) and history.may_view_agent(boss, agent.id)


def test_phone_history_newest_first_with_get_more_and_the_saved_report(ctx):
    agent, _ = signed_in_agent(db.session, at=MIDNIGHT)
    calls = [
        answered_call(db.session, "0912345678", "1001", MIDNIGHT + timedelta(hours=h))
        for h in range(12)
    ]
    outbound_call(db.session, agent, "+84912345678", MIDNIGHT + timedelta(hours=13))
    missed = QueueCallScript(db.session, "0912345678", MIDNIGHT + timedelta(hours=14))
    missed.offer("1001")
    missed.ring_no_answer("1001")
    missed.abandon()
    save_xcm(db.session, calls[5].id, agent.id, "k", category="other", note="x")
    first = history.phone_history(db.session, "+84912345678")
    more = history.phone_history(db.session, "+84912345678", page=2)
    rows = first.rows + more.rows
    assert first.has_more and not more.has_more and len(rows) == 14  # the missed offer is left out
    assert rows[0].status == "ABANDON" and rows[1].direction == "outbound"
    assert [r.at for r in rows] == sorted((r.at for r in rows), reverse=True)
    assert {r.call_id for r in rows if r.has_xcm} == {calls[5].id}
    assert rows[2].agent_name == agent.display_name


def test_activity_lists_logins_pauses_with_reasons_and_durations(ctx):
    start = MIDNIGHT + timedelta(hours=8)
    agent, agent_session = signed_in_agent(db.session, at=start)
    lunch = PauseReason(code="lunch", name="Lunch", name_vi="Ăn trưa")
    db.session.add(lunch)
    db.session.flush()
    db.session.add(
        AgentActivity(
            user_id=agent.id,
            session_id=agent_session.id,
            kind=ActivityKind.PAUSE,
            pause_reason_id=lunch.id,
            started_at=start + timedelta(hours=4),
        )
    )
    db.session.flush()
    accounts.end_agent_session(
        db.session,
        agent_session,
        kind=ActivityKind.LOGOUT,
        now=start + timedelta(hours=4, minutes=45),
    )
    rows = history.activity(db.session, agent.id, DAY, ZONE, now=utcnow())
    assert [r.kind for r in rows] == ["login", "pause", "logout"]
    assert (rows[1].reason, rows[1].reason_vi, rows[1].duration_s) == ("Lunch", "Ăn trưa", 45 * 60)
    assert history.paused_seconds(rows) == 45 * 60
    assert history.activity(db.session, agent.id, DAY + timedelta(days=1), ZONE, now=utcnow()) == []


def test_the_show_cw_box_has_the_current_call_todays_counts_and_the_vip_alert(ctx):
    from dialer.models import Contact

    agent = _a_day_of_calls()
    db.session.add(Contact(phone="+84987654321", name="Ông Lớn", is_vip=True))
    ringing = QueueCallScript(db.session, "0987654321", MIDNIGHT + timedelta(hours=5))
    ringing.offer("1001")
    ringing.connect("1001")
    now = MIDNIGHT + timedelta(hours=5, minutes=1)
    box = history.summary(db.session, agent.id, ZONE, now=now)
    assert (box.inbound_today, box.outbound_today) == (3, 12)
    assert box.current.number == "+84987654321" and box.current.direction == "inbound"
    assert box.is_vip and box.since == ringing.call().answered_at
    ringing.complete("1001", "COMPLETEAGENT")
    after = history.summary(db.session, agent.id, ZONE, now=now)
    assert after.current is None and not after.is_vip
