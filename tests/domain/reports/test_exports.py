"""A campaign's exports, cell by cell, against calls and surveys made as an agent makes them."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import select

from dialer.domain.exports.campaign import run_export
from dialer.domain.leads.manage import LEAD_HELD, LeadError, remove_lead, reset_lead
from dialer.domain.reports import filters as report_filters
from dialer.domain.reports.calls import call_detail
from dialer.domain.reports.filters import ReportError, parse_filters
from dialer.domain.reports.leads import campaign_leads
from dialer.domain.reports.results import question_columns, results_page
from dialer.extensions import db
from dialer.models import AuditEntry, Lead, LeadStatus
from tests.factories.campaigns import MORNING
from tests.factories.exports import INJECTION, make_floor
from tests.factories.leads import make_lead

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def floor(ctx):  # noqa: ANN001, ANN201
    return make_floor(db.session)


def _filters(**values: str) -> report_filters.Filters:
    return parse_filters(db.session, ZONE, **values)


def _csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_survey_export_has_one_row_per_survey_cell_by_cell(floor, tmp_path: Path) -> None:
    campaign, (first, second), (answered, _busy, later) = floor
    path = tmp_path / "survey.csv"

    rows = run_export(db.session, campaign, "survey", "csv", _filters(), path, actor_id=first.id)

    assert rows == 2
    header, newest, oldest = _csv(path)
    assert header == [
        "Survey saved", "Call time", "Phone", "First name", "Last name", "Email", "Gói",
        "Agent", "Agent id", "Outcome", "Talk time (s)",
        "Chất lượng dịch vụ (1-5)?", "Bạn có giới thiệu cho người quen?", "Kênh liên hệ?",
        "Số lần gọi tổng đài?", "Góp ý",
    ]  # fmt: skip
    call_at = answered.created_at.astimezone(ZONE).strftime("%Y-%m-%d %H:%M:%S")
    assert oldest[1:] == [
        call_at, "+84912345670", "An", "Nguyễn", "", "Vàng", "Agent1", "agent1", "ANSWER", "95",
        "5", "yes", "Email; Điện thoại", "2", "'" + INJECTION,
    ]  # fmt: skip
    # The busy lead came back for its retry the next day; its custom field is neutralised.
    assert newest[2:] == [
        "+84912345671", "Bình", "Trần", "", "'-1+2", "Agent2", "agent2", "ANSWER", "30",
        "3", "no", "", "", "",
    ]  # fmt: skip
    assert later.lead.phone == "+84912345671"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export")).one()
    assert entry.actor_id == first.id and entry.target_id == str(campaign.id)
    assert entry.detail["rows"] == 2 and entry.detail["kind"] == "survey"


def test_calls_export_in_xlsx_keeps_every_attempt_and_text_as_strings(floor, tmp_path) -> None:
    campaign, (first, _second), (answered, busy, later) = floor
    path = tmp_path / "calls.xlsx"

    rows = run_export(db.session, campaign, "calls", "xlsx", _filters(), path, actor_id=first.id)

    assert rows == 3
    sheet = openpyxl.load_workbook(path).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = values[0]
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in values[1:]}
    assert list(by_id) == [later.id, busy.id, answered.id]  # newest first
    busy_row = by_id[busy.id]
    assert busy_row["Phone"] == "+84912345671" and busy_row["Outcome"] == "BUSY"
    assert busy_row["Hangup cause"] == 17 and busy_row["Hung up by"] == "system"
    assert busy_row["Lead"] == "Trần Bình" and busy_row["Survey saved"] == "no"
    done = by_id[answered.id]
    assert (done["Wait (s)"], done["Talk (s)"], done["Hung up by"]) == (7, 95, "customer")
    assert done["Started"] == answered.created_at.astimezone(ZONE).replace(tzinfo=None)
    assert done["Survey saved"] == "yes"
    for row in sheet.iter_rows(min_row=2):
        assert row[3].data_type == "s" and row[3].value.startswith("+84")


def test_filters_pick_agent_outcome_and_local_days(floor, tmp_path: Path) -> None:
    campaign, (_first, second), _calls = floor
    day_two = (MORNING + timedelta(days=1)).astimezone(ZONE).date().isoformat()
    by_agent = _filters(agent="agent2")
    assert run_export(db.session, campaign, "calls", "csv", by_agent, tmp_path / "a.csv",
                      actor_id=None) == 2  # fmt: skip
    busy = _filters(status="busy")
    assert run_export(db.session, campaign, "calls", "csv", busy, tmp_path / "b.csv",
                      actor_id=None) == 1  # fmt: skip
    on_day_two = _filters(date_from=day_two, date_to=day_two)
    assert run_export(db.session, campaign, "survey", "csv", on_day_two, tmp_path / "c.csv",
                      actor_id=None) == 1  # fmt: skip
    nothing = _filters(status="ABANDON")
    path = tmp_path / "empty.xlsx"
    assert run_export(db.session, campaign, "survey", "xlsx", nothing, path, actor_id=None) == 0
    assert len(list(openpyxl.load_workbook(path).active.iter_rows())) == 1  # the header row
    assert second.username == "agent2"


@pytest.mark.parametrize(
    ("values", "code", "named"),
    [
        ({"date_from": "2026-03-10", "date_to": "2026-03-01"}, report_filters.DATES_BACKWARDS,
         "2026-03-10"),
        ({"date_from": "10/03/2026"}, report_filters.BAD_DATE, "10/03/2026"),
        ({"agent": "nobody"}, report_filters.AGENT_UNKNOWN, "nobody"),
        ({"status": "HAPPY"}, report_filters.STATUS_UNKNOWN, "HAPPY"),
        ({"campaign": "Không có"}, report_filters.CAMPAIGN_UNKNOWN, "Không có"),
    ],
)  # fmt: skip
def test_bad_filters_are_refused_naming_the_value(ctx, values, code, named) -> None:
    with pytest.raises(ReportError) as refused:
        parse_filters(db.session, ZONE, **values)
    assert refused.value.code == code
    assert named in refused.value.params.values()


def test_results_pages_walk_older_and_back_newer(floor) -> None:
    campaign, _agents, (answered, _busy, later) = floor
    columns = question_columns(db.session, campaign)
    first = results_page(db.session, campaign, _filters(), columns, size=1)
    assert [r.call_id for r in first.rows] == [later.id] and first.newer is None
    second = results_page(db.session, campaign, _filters(), columns, after=first.older, size=1)
    assert [r.call_id for r in second.rows] == [answered.id] and second.older is None
    assert second.rows[0].answers == [5, "yes", "Email; Điện thoại", 2, INJECTION]
    back = results_page(db.session, campaign, _filters(), columns, before=second.newer, size=1)
    assert [r.call_id for r in back.rows] == [later.id]


def test_call_detail_has_the_survey_and_every_attempt_of_the_lead(floor) -> None:
    _campaign, _agents, (answered, _busy, _later) = floor
    detail = call_detail(db.session, answered.id)
    assert detail is not None
    assert detail.answers[0] == ("Chất lượng dịch vụ (1-5)?", 5)
    assert detail.answers[2] == ("Kênh liên hệ?", "Email; Điện thoại")
    assert [row.call_id for row in detail.attempts] == [answered.id]


def test_leads_search_by_number_in_any_shape_and_by_name(floor) -> None:
    campaign, _agents, _calls = floor
    for typed in ("0912 345 671", "+84 912-345-671", "912345671"):
        found = campaign_leads(db.session, campaign, search=typed)
        assert [row.phone for row in found.rows] == ["+84912345671"], typed
    assert [r.name for r in campaign_leads(db.session, campaign, search="trần").rows] == [
        "Trần Bình"
    ]
    done = campaign_leads(db.session, campaign, status=LeadStatus.DONE)
    assert {row.phone for row in done.rows} == {"+84912345670", "+84912345671"}


def test_reset_and_remove_are_audited_and_a_held_lead_is_refused(floor) -> None:
    campaign, (first, _second), _calls = floor
    lead = db.session.scalars(select(Lead).where(Lead.phone == "+84912345670")).one()
    reset_lead(db.session, lead, actor_id=first.id)
    assert (lead.status, lead.attempts) == (LeadStatus.NEW, 0)
    remove_lead(db.session, lead, actor_id=first.id)
    assert lead.status == LeadStatus.REMOVED
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["lead.reset", "lead.remove"]
    held = make_lead(db.session, campaign, "+84912345679", status=LeadStatus.CLAIMED)
    with pytest.raises(LeadError) as refused:
        remove_lead(db.session, held, actor_id=first.id)
    assert refused.value.code == LEAD_HELD
    assert date.today()  # the clock is not frozen for the audit entries


@pytest.mark.parametrize("filter_values", [{}, {"agent": "agent2"}, {"status": "BUSY"}])
def test_the_database_csv_path_writes_what_the_row_writer_writes(
    floor, tmp_path: Path, filter_values
) -> None:
    """On PostgreSQL the survey CSV is written by COPY: the same cells as the row writer."""
    from dialer.domain.exports.campaign import export_table
    from dialer.domain.exports.writers import write_rows

    campaign, _agents, _calls = floor
    chosen = _filters(**filter_values)
    by_rows = tmp_path / "rows.csv"
    header, rows = export_table(db.session, campaign, "survey", chosen)
    write_rows("csv", header, rows, by_rows)
    exported = tmp_path / "export.csv"
    count = run_export(db.session, campaign, "survey", "csv", chosen, exported, actor_id=None)
    assert _csv(exported) == _csv(by_rows)
    assert count == len(_csv(by_rows)) - 1


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("+84912345670", "+84912345670"),  # a phone number in E.164 stays as it is
        ("+123456", "+123456"),
        ("+0912345", "'+0912345"),  # not E.164: a leading + would be a formula
        ("+12345a7", "'+12345a7"),
        ("+1234567890123456", "'+1234567890123456"),  # too long for E.164
        ("+1234567\n", "'+1234567\n"),
        (
            "+\u0661\u0662\u0663\u0664\u0665\u0666\u0667",
            "'+\u0661\u0662\u0663\u0664\u0665\u0666\u0667",
        ),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("-1", "'-1"),
        ("a=b", "a=b"),
    ],
)
def test_both_csv_paths_neutralise_formula_starts_alike(floor, tmp_path: Path, typed, written):
    """A text answer and a custom field starting like a formula are quoted; E.164 is not."""
    from dialer.domain.exports.campaign import export_table
    from dialer.domain.exports.writers import write_rows
    from dialer.models import SurveyAnswer

    campaign, _agents, _calls = floor
    for answer in db.session.scalars(select(SurveyAnswer)):
        if isinstance(answer.value, str):
            answer.value = typed
    for lead in db.session.scalars(select(Lead).where(Lead.campaign_id == campaign.id)):
        lead.custom = {**lead.custom, "Gói": typed}
    db.session.flush()
    by_rows = tmp_path / "rows.csv"
    header, rows = export_table(db.session, campaign, "survey", _filters())
    write_rows("csv", header, rows, by_rows)
    exported = tmp_path / "export.csv"
    run_export(db.session, campaign, "survey", "csv", _filters(), exported, actor_id=None)
    assert _csv(exported) == _csv(by_rows)
    _header, *lines = _csv(exported)
    assert [line[6] for line in lines] == [written] * len(lines)  # the custom field
    assert lines[-1][-1] == written  # the oldest survey's free-text answer
