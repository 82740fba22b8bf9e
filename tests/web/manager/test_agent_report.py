"""The agent report page and its exports: the same figures, cell by cell, safe in Excel."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import openpyxl
from flask import Flask

from dialer.domain.people import agents
from dialer.extensions import db
from dialer.models import AuditEntry, Role, User
from tests.factories.campaigns import MORNING
from tests.factories.people import make_agent, make_pause_reason, make_user
from tests.support.web import login

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = "2026-11-24"


def _worked_day(app: Flask) -> None:
    """agent1 ("=1+2" by name) signed in 10:00-12:00 with a 30-minute pause."""
    with app.app_context():
        user, _ = make_agent(db.session, "agent1", "1001")
        user.display_name = "=1+2"
        reason = make_pause_reason(db.session, "trick", '=HYPERLINK("http://x")')
        agents.pause(db.session, user.id, reason.id, MORNING + timedelta(minutes=10))
        agents.unpause(db.session, user.id, MORNING + timedelta(minutes=40))
        agents.sign_out(db.session, user, now=MORNING + timedelta(hours=2))
        make_user(db.session, "boss", role=Role.MANAGER, password="pw")
        make_user(db.session, "sup", role=Role.SUPERVISOR, password="pw")
        db.session.commit()


def _client(app: Flask, username: str):  # noqa: ANN202
    client = app.test_client()
    login(client, username, "pw")
    return client


def test_the_page_shows_the_day(app) -> None:
    _worked_day(app)
    html = _client(app, "sup").get(f"/reports/agents/?from={DAY}&to={DAY}").get_data(as_text=True)
    row = html.split(f'data-testid="report-agent1-{DAY}"')[1].split("</tr>")[0]
    assert 'data-testid="first-login">2026-11-24 10:00<' in row
    assert 'data-testid="last-logout">2026-11-24 12:00<' in row
    assert 'data-testid="signed-in">2:00:00<' in row and 'data-testid="ready">1:30:00<' in row
    assert "=HYPERLINK(&#34;http://x&#34;): 30:00" in row
    assert 'data-testid="export-csv"' not in html  # supervisors see, managers export


def test_the_csv_and_xlsx_carry_every_figure_and_no_formula(app) -> None:
    _worked_day(app)
    boss = _client(app, "boss")
    query = f"from={DAY}&to={DAY}&agent=agent1"
    response = boss.get(f"/reports/agents/export?format=csv&{query}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith(f'agent-report-{DAY}-{DAY}.csv"')
    assert response.data.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    expected_header = [
        "Agent", "Name", "Date", "First sign-in", "Last sign-out", "Signed in (s)", "Ready (s)",
        "Paused (s)", "Talk (s)", "Wait (s)", "Surveys saved",
        'Paused: =HYPERLINK("http://x") (s)',
    ]  # fmt: skip
    assert table[0][:11] == expected_header[:11]
    assert table[0][11] == expected_header[11]
    assert table[1] == [
        "agent1", "'=1+2", DAY, "2026-11-24 10:00:00", "2026-11-24 12:00:00",
        "7200", "5400", "1800", "0", "0", "0", "1800",
    ]  # fmt: skip

    response = boss.get(f"/reports/agents/export?format=xlsx&{query}")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][11] == expected_header[11]
    assert rows[1][:2] == ["agent1", "=1+2"] and sheet.cell(2, 2).data_type == "s"  # text
    assert (str(rows[1][2]), str(rows[1][3])) == ("2026-11-24 00:00:00", "2026-11-24 10:00:00")
    assert rows[1][5:] == [7200, 5400, 1800, 0, 0, 0, 1800]
    with app.app_context():
        exports = db.session.query(AuditEntry).filter_by(action="export").all()
        assert [(e.detail["kind"], e.detail["format"], e.detail["rows"]) for e in exports] == [
            ("agent_report", "csv", 1),
            ("agent_report", "xlsx", 1),
        ]
        boss_id = db.session.query(User.id).filter_by(username="boss").scalar()
        assert {e.actor_id for e in exports} == {boss_id}


def test_bad_input_is_named_and_an_empty_report_is_a_header(app) -> None:
    _worked_day(app)
    boss = _client(app, "boss")
    unknown = boss.get("/reports/agents/export?format=csv&agent=nobody")
    assert unknown.status_code == 302
    assert "There is no agent nobody." in boss.get(unknown.headers["Location"]).get_data(
        as_text=True
    )
    odd = boss.get("/reports/agents/export?format=pdf")
    assert "pdf is not a file format: pick csv or xlsx." in boss.get(
        odd.headers["Location"]
    ).get_data(as_text=True)
    backwards = boss.get("/reports/agents/?from=2026-11-25&to=2026-11-24")
    assert "The date range is upside down: 2026-11-25 is after 2026-11-24." in boss.get(
        backwards.headers["Location"]
    ).get_data(as_text=True)
    empty = boss.get("/reports/agents/export?format=csv&from=2026-01-01&to=2026-01-01")
    assert empty.data.decode("utf-8-sig").splitlines() == [
        "Agent,Name,Date,First sign-in,Last sign-out,Signed in (s),Ready (s),Paused (s),"
        "Talk (s),Wait (s),Surveys saved"
    ]
    assert _client(app, "sup").get("/reports/agents/export").status_code == 403
