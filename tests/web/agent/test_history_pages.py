"""The history page and its JSON twin: tabs, totals, pages, activity, Show CW, two languages."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask

from dialer.extensions import db
from dialer.models import Role, User
from tests.factories.calls import QueueCallScript, answered_call, outbound_call
from tests.factories.people import make_extension, make_user
from tests.support.web import login

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def _today_midnight_utc() -> datetime:
    today = datetime.now(ZONE).date()
    return datetime.combine(today, datetime.min.time(), ZONE).astimezone(UTC)


def _agent_with_calls(app: Flask) -> tuple[int, date]:
    """agent1 signed in on 1001 with 12 calls today (3 inbound, 9 outbound) and one yesterday."""
    client = app.test_client()
    with app.app_context():
        make_extension(db.session, "1001")
        make_user(db.session, "agent1", password="pw")
        make_user(db.session, "boss", role=Role.MANAGER, password="pw")
        db.session.commit()
    login(client, "agent1", "pw", "1001")
    midnight = _today_midnight_utc()
    with app.app_context():
        agent = db.session.query(User).filter_by(username="agent1").one()
        answered_call(db.session, "0912000001", "1001", midnight - timedelta(seconds=40), talk_s=20)
        answered_call(db.session, "0912000002", "1001", midnight + timedelta(seconds=5), talk_s=61)
        answered_call(db.session, "0912000003", "1001", midnight + timedelta(minutes=5))
        missed = QueueCallScript(db.session, "0912000004", midnight + timedelta(minutes=9))
        missed.offer("1001")
        missed.abandon(after_s=4, hold_s=9)
        for i in range(9):
            outbound_call(
                db.session,
                agent,
                f"09120002{i:02d}",
                midnight + timedelta(minutes=20 + i),
                status="NOANSWER" if i % 3 == 0 else "ANSWER",
            )
        db.session.commit()
        return agent.id, datetime.now(ZONE).date()


def _text(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}">([^<]*)<', html)
    assert match, testid
    return match.group(1)


def test_the_agent_sees_todays_totals_tabs_and_ten_rows_a_page(app):
    _agent_id, today = _agent_with_calls(app)
    client = app.test_client()
    login(client, "agent1", "pw", "1001")
    html = client.get("/history/").get_data(as_text=True)
    assert _text(html, "total-date") == today.isoformat()
    assert (_text(html, "total-calls"), _text(html, "total-completed")) == ("12", "8")
    assert _text(html, "total-failed") == "4"
    assert html.count("<tr data-call-id=") == 10 and "Page 1 of 2" in html and "ABANDON" in html
    second = client.get("/history/?page=2").get_data(as_text=True)
    assert second.count("<tr data-call-id=") == 2 and "ABANDON" not in second
    assert "+84912000002" in second and "COMPLETECALLER" in second
    inbound = client.get("/history/?direction=inbound").get_data(as_text=True)
    assert (_text(inbound, "total-calls"), _text(inbound, "total-talk")) == ("3", "2:01")
    assert "+84912000002" in inbound and "+84912000001" not in inbound  # 00:00:05 vs 23:59:20


def test_yesterday_holds_the_call_from_just_before_midnight(app):
    _agent_id, today = _agent_with_calls(app)
    client = app.test_client()
    login(client, "agent1", "pw", "1001")
    yesterday = (today - timedelta(days=1)).isoformat()
    data = client.get(f"/api/history?date={yesterday}").get_json()
    assert data["totals"]["total"] == 1 and data["rows"][0]["number"] == "+84912000001"
    assert data["rows"][0]["hour"] == "23:59:20"


def test_the_json_history_matches_the_page(app):
    agent_id, today = _agent_with_calls(app)
    client = app.test_client()
    login(client, "agent1", "pw", "1001")
    data = client.get("/api/history?direction=outbound&page=1").get_json()
    assert data["totals"] | {"wait_s": 0, "talk_s": 0} == {
        "date": today.isoformat(),
        "total": 9,
        "completed": 6,
        "failed": 3,
        "wait_s": 0,
        "talk_s": 0,
    }
    assert (data["page"], data["pages"], data["page_size"], len(data["rows"])) == (1, 1, 10, 9)
    assert {row["status"] for row in data["rows"]} == {"ANSWER", "NOANSWER"}
    for bad, code in (("date=24-11-2026", "bad_date"), ("direction=sideways", "bad_direction")):
        response = client.get(f"/api/history?{bad}")
        assert response.status_code == 400 and response.get_json()["code"] == code


def test_a_manager_opens_any_agents_history_for_any_day(app):
    agent_id, today = _agent_with_calls(app)
    boss = app.test_client()
    login(boss, "boss", "pw")
    html = boss.get(f"/history/?agent_id={agent_id}").get_data(as_text=True)
    assert _text(html, "total-calls") == "12" and "Agent1" in html
    yesterday = (today - timedelta(days=1)).isoformat()
    data = boss.get(f"/api/history?agent_id={agent_id}&date={yesterday}").get_json()
    assert data["totals"]["total"] == 1
    assert boss.get("/api/history?agent_id=99999").status_code == 404


def test_activity_and_the_show_cw_box(app):
    _agent_with_calls(app)
    client = app.test_client()
    login(client, "agent1", "pw", "1001")
    activity = client.get("/api/activity").get_json()
    assert [row["kind"] for row in activity["rows"]][-2:] == ["logout", "login"]  # a second login
    box = client.get("/api/history/summary").get_json()
    assert (box["inbound_today"], box["outbound_today"], box["current"]) == (3, 9, None)


def test_the_page_speaks_vietnamese(app):
    _agent_with_calls(app)
    client = app.test_client()
    login(client, "agent1", "pw", "1001")
    html = client.get("/history/", headers={"Accept-Language": "vi"}).get_data(as_text=True)
    assert "Tổng thời gian đàm thoại" in html and "Gọi vào" in html and "Hoạt động" in html


def test_a_bad_date_on_the_page_says_so_and_shows_today(app):
    _agent_id, today = _agent_with_calls(app)
    client = app.test_client()
    login(client, "agent1", "pw", "1001")
    html = client.get("/history/?date=yesterday&page=x&direction=up").get_data(as_text=True)
    assert (
        "Give a date from 1970-01-01 to 2999-12-31 as YYYY-MM-DD." in html
        and _text(html, "total-date") == today.isoformat()
    )
