"""The results, leads, call search and export pages over HTTP, as a manager and a supervisor."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from dialer.domain.exports import campaign as campaign_exports
from dialer.extensions import db
from dialer.models import AuditEntry, Lead, LeadStatus, Role
from tests.export_factories import INJECTION, make_floor
from tests.factories import make_user
from tests.leadfactories import page_token, run_worker_burst_on, signed_in_manager
from tests.web.helpers import login


@pytest.fixture
def floor(app):  # noqa: ANN001, ANN201
    with app.app_context():
        campaign, agents, calls = make_floor(db.session)
        return campaign.id, [a.id for a in agents], [c.id for c in calls]


def test_results_page_shows_each_survey_newest_first_with_its_answers(app, client, floor) -> None:
    campaign_id, _agents, (answered, _busy, retried) = floor
    signed_in_manager(app, client)
    html = client.get(f"/results/campaigns/{campaign_id}").get_data(as_text=True)
    assert html.index(f"/results/calls/{retried}") < html.index(f"/results/calls/{answered}")
    assert "Email; Điện thoại" in html and "+84912345670" in html
    assert "&#34;" in html or "&quot;" in html or INJECTION not in html  # escaped, never raw
    detail = client.get(f"/results/calls/{answered}").get_data(as_text=True)
    assert "Kênh liên hệ?" in detail and "Email; Điện thoại" in detail
    assert "1:35" in detail  # talk time


def test_a_bad_filter_is_named_on_the_page_never_a_500(app, client, floor) -> None:
    campaign_id, _agents, _calls = floor
    signed_in_manager(app, client)
    backwards = client.get(f"/results/campaigns/{campaign_id}?from=2026-03-10&to=2026-03-01")
    assert backwards.status_code == 400
    assert "2026-03-10 is after 2026-03-01" in backwards.get_data(as_text=True)
    unknown = client.get("/results/calls?agent=nobody&status=HAPPY")
    assert unknown.status_code == 400 and "nobody" in unknown.get_data(as_text=True)
    assert client.get("/results/campaigns/999").status_code == 404


def test_call_search_finds_a_number_typed_in_any_shape(app, client, floor) -> None:
    _campaign, _agents, (_answered, busy, retried) = floor
    with app.app_context():
        make_user(db.session, "super", role=Role.SUPERVISOR, password="pw")
        db.session.commit()
    login(client, "super", "pw")
    html = client.get("/results/calls?number=0912+345+671").get_data(as_text=True)
    assert f'data-call-id="{busy}"' in html and f'data-call-id="{retried}"' in html
    assert html.count("data-call-id=") == 2
    busy_only = client.get("/results/calls?number=0912345671&status=BUSY").get_data(as_text=True)
    assert busy_only.count("data-call-id=") == 1


def test_a_small_export_downloads_at_once_and_is_audited(app, client, floor) -> None:
    campaign_id, _agents, _calls = floor
    signed_in_manager(app, client)
    token = page_token(client, f"/results/campaigns/{campaign_id}")
    response = client.post(
        f"/exports/campaigns/{campaign_id}",
        data={"csrf_token": token, "kind": "survey", "fmt": "csv", "agent": "agent1"},
    )
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][2] == "+84912345670" and rows[1][-1] == "'" + INJECTION
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export")).one()
        assert entry.detail["rows"] == 1 and entry.detail["filters"]["agent_id"] is not None


def test_an_export_with_bad_dates_says_so(app, client, floor) -> None:
    campaign_id, _agents, _calls = floor
    signed_in_manager(app, client)
    token = page_token(client, f"/results/campaigns/{campaign_id}")
    response = client.post(
        f"/exports/campaigns/{campaign_id}",
        data={"csrf_token": token, "kind": "calls", "fmt": "xlsx", "from": "2026-05-02",
              "to": "2026-05-01"},
        follow_redirects=True,
    )  # fmt: skip
    assert "2026-05-02 is after 2026-05-01" in response.get_data(as_text=True)


def test_a_large_export_runs_on_a_worker_with_progress_and_a_link(
    app, client, floor, monkeypatch
) -> None:
    campaign_id, _agents, _calls = floor
    monkeypatch.setattr(campaign_exports, "SMALL_EXPORT_ROWS", 0)
    signed_in_manager(app, client)
    token = page_token(client, f"/results/campaigns/{campaign_id}")
    response = client.post(
        f"/exports/campaigns/{campaign_id}",
        data={"csrf_token": token, "kind": "calls", "fmt": "xlsx"},
    )
    assert response.status_code == 302
    page = response.headers["Location"]
    assert client.get(page + "/status").get_json()["status"] == "queued"
    with app.app_context():
        run_worker_burst_on("exports")
    status = client.get(page + "/status").get_json()
    assert status["status"] == "done" and status["rows"] == 3 and status["percent"] == 100
    download = client.get(status["download"])
    assert download.status_code == 200 and download.get_data()[:2] == b"PK"
    download.close()
    with app.app_context():
        assert db.session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "export"))
    client.post("/logout", data={"csrf_token": page_token(client, "/results/calls")})
    with app.app_context():
        make_user(db.session, "super", role=Role.SUPERVISOR, password="pw")
        db.session.commit()
    login(client, "super", "pw")
    assert client.get(status["download"]).status_code == 403


def test_a_manager_resets_and_removes_a_lead_with_csrf(app, client, floor) -> None:
    campaign_id, _agents, _calls = floor
    signed_in_manager(app, client)
    page = f"/leads/campaigns/{campaign_id}"
    html = client.get(page + "?q=Trần").get_data(as_text=True)
    assert "+84912345671" in html and "+84912345670" not in html
    with app.app_context():
        lead_id = db.session.scalar(select(Lead.id).where(Lead.phone == "+84912345670"))
    assert client.post(f"{page}/{lead_id}/remove").status_code == 400  # no CSRF token
    token = page_token(client, page)
    client.post(f"{page}/{lead_id}/reset", data={"csrf_token": token})
    client.post(f"{page}/{lead_id}/remove", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(Lead, lead_id).status == LeadStatus.REMOVED
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.target_id == str(lead_id))
        ).all()
        assert actions == ["lead.reset", "lead.remove"]
    removed = client.get(page + "?status=removed").get_data(as_text=True)
    assert removed.count("data-lead-id=") == 1
    assert client.get(page + "?status=lost").status_code == 400
