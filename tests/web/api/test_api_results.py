"""The results and call search as JSON: the page's rows, filters, keyset pages and roles."""

from __future__ import annotations

import pytest

from dialer.extensions import db
from tests.factories.exports import INJECTION, make_floor
from tests.support.web import api_login, bearer, signed_in_manager


@pytest.fixture
def floor(app):  # noqa: ANN001, ANN201
    with app.app_context():
        campaign, _agents, calls = make_floor(db.session)
        return campaign.id, [c.id for c in calls]


def test_a_manager_reads_the_campaigns_surveys_newest_first_with_their_answers(
    app, client, floor
) -> None:
    campaign_id, (answered, _busy, retried) = floor
    signed_in_manager(app, client)
    body = client.get(f"/api/campaigns/{campaign_id}/results").get_json()
    assert [row["call_id"] for row in body["rows"]] == [retried, answered]
    assert [c["text"] for c in body["columns"]][:2] and len(body["columns"]) == 5
    first = body["rows"][1]
    assert (first["phone"], first["first_name"], first["agent_id"]) == (
        "+84912345670",
        "An",
        "agent1",
    )
    assert first["custom"] == {"Gói": "Vàng"} and first["talk_s"] == 95
    # The cells as the page shows them: choices joined; the API leaves text as typed.
    assert first["answers"] == [5, "yes", "Email; Điện thoại", 2, INJECTION]
    assert (body["older"], body["newer"]) == (None, None)
    # The next page after the newest row holds the older one only, and links back.
    older = client.get(
        f"/api/campaigns/{campaign_id}/results",
        query_string={"after": _cursor_of(client, campaign_id)},
    ).get_json()
    assert [row["call_id"] for row in older["rows"]] == [answered] and older["newer"]
    # The page's filters: the outcome, the agent and the days.
    busy_only = client.get(f"/api/campaigns/{campaign_id}/results?status=BUSY").get_json()
    assert busy_only["rows"] == []
    by_agent = client.get(f"/api/campaigns/{campaign_id}/results?agent=agent2").get_json()
    assert [row["call_id"] for row in by_agent["rows"]] == [retried]


def _cursor_of(client, campaign_id: int) -> str:  # noqa: ANN001
    """The cursor just after the newest survey (what a one-row page would give as older)."""
    from datetime import datetime

    from dialer.domain.reports.paging import Cursor

    newest = client.get(f"/api/campaigns/{campaign_id}/results").get_json()["rows"][0]
    return str(Cursor(datetime.fromisoformat(newest["saved_at"]), newest["response_id"]))


def test_bad_filters_are_named_and_an_unknown_campaign_is_404(app, client, floor) -> None:
    campaign_id, _calls = floor
    signed_in_manager(app, client)
    base = f"/api/campaigns/{campaign_id}/results"
    for query, code in [
        ("?from=2026-13-01", "report_bad_date"),
        ("?from=2026-11-25&to=2026-11-01", "report_dates_backwards"),
        ("?agent=nobody", "report_agent_unknown"),
        ("?status=HAPPY", "report_status_unknown"),
        ("?after=99999999999999999999-1", "report_bad_cursor"),
    ]:
        response = client.get(base + query)
        assert response.status_code == 400, query
        assert response.get_json()["code"] == code
    missing = client.get("/api/campaigns/404404/results")
    assert missing.status_code == 404
    assert missing.get_json() == {
        "code": "report_campaign_unknown",
        "message": "There is no campaign 404404.",
    }


def test_call_search_by_number_and_agents_are_refused(app, client, floor) -> None:
    _campaign_id, (answered, busy, _retried) = floor
    signed_in_manager(app, client)
    found = client.get("/api/calls?agent=agent1").get_json()
    assert [row["call_id"] for row in found["rows"]] == [answered]
    assert found["rows"][0]["has_survey"] is True
    busy_calls = client.get("/api/calls?status=BUSY&direction=outbound").get_json()
    assert [row["call_id"] for row in busy_calls["rows"]] == [busy]
    assert client.get("/api/calls?direction=sideways").status_code == 400
    agent = app.test_client()
    headers = bearer(api_login(agent)["token"])
    assert agent.get("/api/calls", headers=headers).status_code == 403
    assert agent.get("/api/campaigns/1/results", headers=headers).status_code == 403
