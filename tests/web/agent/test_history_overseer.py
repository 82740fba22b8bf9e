"""Supervisors and managers open the history on a real choice: every agent, any range of days."""

from __future__ import annotations

from datetime import timedelta

from tests.support.web import login
from tests.web.agent.test_history_pages import _agent_with_calls, _text


def test_a_manager_starts_from_every_agents_totals(app) -> None:
    agent_id, today = _agent_with_calls(app)
    boss = app.test_client()
    login(boss, "boss", "pw")
    html = boss.get("/history/").get_data(as_text=True)
    assert 'data-testid="agents-totals"' in html and "Call history of Boss" not in html
    assert 'data-testid="agent-totals-agent1"' in html
    row = html.split('data-testid="agent-totals-agent1"')[1]
    assert _text(row, "calls") == "12"
    assert f'<option value="{agent_id}"' in html and '<option value="all"' in html


def test_every_agent_over_a_range_of_days(app) -> None:
    _agent_id, today = _agent_with_calls(app)
    boss = app.test_client()
    login(boss, "boss", "pw")
    yesterday = (today - timedelta(days=1)).isoformat()
    html = boss.get(f"/history/?agent_id=all&from={yesterday}&to={today}").get_data(as_text=True)
    assert "Call history of every agent" in html
    assert _text(html, "total-calls") == "13"  # twelve today, one just before midnight
    assert _text(html, "total-date") == f"{yesterday} – {today}"
    picked = boss.get(f"/history/?from={yesterday}&to={yesterday}").get_data(as_text=True)
    assert _text(picked.split('data-testid="agent-totals-agent1"')[1], "calls") == "1"


def test_an_upside_down_range_is_named(app) -> None:
    _agent_id, today = _agent_with_calls(app)
    boss = app.test_client()
    login(boss, "boss", "pw")
    yesterday = (today - timedelta(days=1)).isoformat()
    response = boss.get(f"/history/?agent_id=all&from={today}&to={yesterday}")
    assert response.status_code == 302
    html = boss.get(response.headers["Location"]).get_data(as_text=True)
    assert f"The date range is upside down: {today} is after {yesterday}." in html
