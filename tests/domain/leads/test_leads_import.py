"""The lead import on the real database: every rejection reason, mapping, re-runs, bad files."""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import func, select

from dialer.domain.leads.imports import run_import, was_interrupted
from dialer.domain.leads.progress import can_retry, page_progress, progress_of, retry_import
from dialer.domain.leads.rejections import rejections, write_rejection_report
from dialer.extensions import db
from dialer.models import ImportStatus, Lead, LeadImport
from tests.factories.campaigns import blacklist, make_draft_campaign
from tests.factories.leads import queued_import, write_csv

HEADER = "Số điện thoại,Họ tên,Email,Múi giờ,Ghi chú"


def leads_of(campaign_id: int) -> list[tuple]:
    return db.session.execute(
        select(Lead.phone, Lead.line_no, Lead.last_name, Lead.first_name)
        .where(Lead.campaign_id == campaign_id)
        .order_by(Lead.id)
    ).all()


def refused(import_id: int) -> list[tuple]:
    return [(r.line_no, r.raw_value, r.reason, r.detail) for r in rejections(db.session, import_id)]


def test_every_rejection_reason_is_reported_and_good_rows_import(ctx, tmp_path):
    campaign = make_draft_campaign(db.session)
    other = make_draft_campaign(db.session, "Cũ")
    blacklist(db.session, "+84987000001")
    db.session.add(Lead(campaign_id=campaign.id, phone="+84912000009", phone_raw="x"))
    db.session.add(Lead(campaign_id=other.id, phone="+84912000001", phone_raw="x"))
    db.session.commit()
    path = write_csv(
        tmp_path / "leads.csv",
        [
            HEADER,
            "0912 000 001,Nguyễn Văn An,an@example.vn,Asia/Ho_Chi_Minh,",  # 2 ok
            ",Trần Bình,,,",  # 3 missing phone
            "không có,Lê Châu,,,",  # 4 not a phone
            "0112345678,Phạm Dũng,,,",  # 5 invalid number
            "0912000002,Hoàng Giang,,,,extra",  # 6 malformed row
            "+84 98 700 0001,Vũ Hà,,,",  # 7 blacklisted
            "84912000001,Đặng Hải,,,",  # 8 duplicate of line 2
            "0912.000.009,Bùi Hạnh,,,",  # 9 already in the campaign
            "912000003,Hùng,,,",  # 10 ok: the zero eaten by a spreadsheet
        ],
    )
    lead_import = queued_import(db.session, campaign, path)
    done = run_import(db.session, lead_import.id)
    assert (done.status, done.rows_read, done.imported, done.rejected) == ("done", 9, 2, 7)
    assert refused(lead_import.id) == [
        (3, "", "missing_phone", ""),
        (4, "không có", "not_a_phone", ""),
        (5, "0112345678", "invalid_number", ""),
        (6, "0912000002,Hoàng Giang,,,,extra", "malformed_row", "fields:6:5"),
        (7, "+84 98 700 0001", "blacklisted", ""),
        (8, "84912000001", "duplicate_in_file", "2"),
        (9, "0912.000.009", "already_in_campaign", ""),
    ]
    assert leads_of(campaign.id) == [
        ("+84912000009", None, "", ""),
        ("+84912000001", 2, "Nguyễn Văn", "An"),
        ("+84912000003", 10, "", "Hùng"),
    ]


def test_mapped_fields_custom_fields_and_time_zones(ctx, tmp_path):
    campaign = make_draft_campaign(db.session)
    path = write_csv(
        tmp_path / "leads.csv",
        [
            "SĐT,Họ,Tên,E-mail,Time zone,Tỉnh,Gói",
            '0912000001,Nguyễn Thị,Lan ,lan@example.vn,UTC+7,"Hà Nội, Việt Nam",Vàng',
            "0912000002,Trần,Minh,,Asia/Saigon,Huế,",
            "0912000003,Lê,Nam,,Giờ Hà Nội,Huế,Bạc",
        ],
    )
    lead_import = queued_import(db.session, campaign, path)
    run_import(db.session, lead_import.id)
    leads = db.session.scalars(select(Lead).order_by(Lead.line_no)).all()
    assert [(x.last_name, x.first_name, x.email) for x in leads] == [
        ("Nguyễn Thị", "Lan", "lan@example.vn"),
        ("Trần", "Minh", ""),
        ("Lê", "Nam", ""),
    ]
    assert [x.timezone for x in leads] == ["Etc/GMT-7", "Asia/Saigon", None]
    assert leads[0].custom == {"Tỉnh": "Hà Nội, Việt Nam", "Gói": "Vàng"}
    # A time zone nobody can read is kept with the lead, not dropped.
    assert leads[2].custom == {"Tỉnh": "Huế", "Gói": "Bạc", "Time zone": "Giờ Hà Nội"}


def test_formula_like_values_are_stored_exactly_as_given(ctx, tmp_path):
    campaign = make_draft_campaign(db.session)
    path = tmp_path / "leads.csv"
    path.write_text(
        "phone,first name,last name,email,note\n"
        '0912000001,=1+1,+SUM(A1),@cmd,"\tTAB"\n'
        '0912000002,-2,"\rCR",x@y.z,=HYPERLINK("http://evil")\n',
        "utf-8",
    )
    lead_import = queued_import(db.session, campaign, path)
    run_import(db.session, lead_import.id)
    leads = db.session.scalars(select(Lead).order_by(Lead.line_no)).all()
    assert [(x.first_name, x.last_name, x.email, x.custom["note"]) for x in leads] == [
        ("=1+1", "+SUM(A1)", "@cmd", "\tTAB"),
        ("-2", "\rCR", "x@y.z", '=HYPERLINK("http://evil")'),
    ]


def test_the_same_file_twice_adds_nothing_the_second_time(ctx, tmp_path):
    campaign = make_draft_campaign(db.session)
    lines = [HEADER] + [f"0912{n:06d},Khách {n},,," for n in range(40)] + ["abc,x,,,"]
    path = write_csv(tmp_path / "leads.csv", lines)
    first = run_import(db.session, queued_import(db.session, campaign, path).id)
    second = run_import(db.session, queued_import(db.session, campaign, path).id)
    assert (first.imported, first.rejected) == (40, 1)
    assert (second.imported, second.rejected) == (0, 41)
    reasons = {r[2] for r in refused(second.id)}
    assert reasons == {"already_in_campaign", "not_a_phone"}
    assert db.session.scalar(select(func.count()).select_from(Lead)) == 40


class Crash(Exception):
    """Stands for a worker killed in the middle of an import."""


def test_a_run_stopped_midway_then_run_again_ends_like_one_clean_run(ctx, tmp_path):
    lines = [HEADER] + [f"0912{n % 150:06d},Khách {n},,," for n in range(200)] + ["x,y,,,"]
    path = write_csv(tmp_path / "leads.csv", lines)
    clean_campaign, crash_campaign = (
        make_draft_campaign(db.session, "sạch"),
        make_draft_campaign(db.session),
    )
    clean = run_import(
        db.session, queued_import(db.session, clean_campaign, path).id, chunk_rows=30
    )

    broken = queued_import(db.session, crash_campaign, path)
    seen = []

    def crash_after_two_chunks(progress):
        seen.append(progress.rows_read)
        if len(seen) == 2:
            raise Crash

    with pytest.raises(Crash):
        run_import(db.session, broken.id, chunk_rows=30, on_progress=crash_after_two_chunks)
    stopped = db.session.get(LeadImport, broken.id)
    assert stopped.status == ImportStatus.FAILED
    assert was_interrupted(stopped)  # the manager is told to run it again, not shown the error
    assert stopped.error.startswith("interrupted: Crash")  # the operator still sees the cause
    assert 0 < len(leads_of(crash_campaign.id)) < 150

    again = run_import(db.session, broken.id, chunk_rows=30)
    assert (again.status, again.rows_read, again.imported, again.rejected) == (
        "done",
        clean.rows_read,
        clean.imported,
        clean.rejected,
    )
    assert [(p, n) for p, n, *_ in leads_of(crash_campaign.id)] == [
        (p, n) for p, n, *_ in leads_of(clean_campaign.id)
    ]
    assert refused(broken.id) == refused(clean.id)


def test_a_finished_import_is_not_run_twice(ctx, tmp_path):
    campaign = make_draft_campaign(db.session)
    path = write_csv(tmp_path / "l.csv", [HEADER, "0912000001,An,,,"])
    lead_import = queued_import(db.session, campaign, path)
    run_import(db.session, lead_import.id)
    again = run_import(db.session, lead_import.id)
    assert (again.imported, again.rejected) == (1, 0)
    assert len(refused(lead_import.id)) == 0


def test_a_file_unreadable_at_run_time_fails_with_its_reason_and_imports_nothing(ctx, tmp_path):
    campaign = make_draft_campaign(db.session)
    path = write_csv(tmp_path / "l.csv", [HEADER, "0912000001,An,,,"])
    lead_import = queued_import(db.session, campaign, path)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 50)  # replaced on disk
    failed = run_import(db.session, lead_import.id)
    assert failed.status == "failed"
    assert "not a text or spreadsheet" in failed.error
    assert leads_of(campaign.id) == []


def test_progress_is_reported_per_chunk_and_ends_at_100(ctx, tmp_path):
    campaign = make_draft_campaign(db.session)
    lines = [HEADER] + [f"0912{n:06d},K,,," for n in range(95)]
    path = write_csv(tmp_path / "l.csv", lines)
    lead_import = queued_import(db.session, campaign, path)
    reports = []
    run_import(db.session, lead_import.id, chunk_rows=20, on_progress=reports.append)
    rows = [p.rows_read for p in reports]
    assert rows == sorted(rows) and rows[-1] == 95
    assert reports[-1].status == "done" and reports[-1].percent == 100
    assert all(p.percent < 100 for p in reports[:-1])
    stored = db.session.get(LeadImport, lead_import.id)
    assert progress_of(stored).imported == 95


def test_names_too_long_for_the_database_are_a_malformed_row(ctx, tmp_path):
    campaign = make_draft_campaign(db.session)
    path = write_csv(tmp_path / "l.csv", ["phone,first name", f"0912000001,{'A' * 121}"])
    lead_import = queued_import(db.session, campaign, path)
    run_import(db.session, lead_import.id)
    assert refused(lead_import.id) == [
        (2, "0912000001", "malformed_row", "too_long:first_name:120")
    ]


def test_an_xlsx_file_imports_like_a_csv(ctx, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["Điện thoại", "Họ và tên"])
    book.active.append([912000001, "Ngô Thị Mai"])
    book.active.append(["0912 000 002", "Dương Quốc Việt"])
    book.active.append([912000001, "Lặp Lại"])
    book.save(tmp_path / "leads.xlsx")
    campaign = make_draft_campaign(db.session)
    lead_import = queued_import(db.session, campaign, tmp_path / "leads.xlsx")
    assert lead_import.sheet == "Sheet"
    run_import(db.session, lead_import.id)
    assert leads_of(campaign.id) == [
        ("+84912000001", 2, "Ngô Thị", "Mai"),
        ("+84912000002", 3, "Dương Quốc", "Việt"),
    ]
    assert refused(lead_import.id) == [(4, "912000001", "duplicate_in_file", "2")]


def test_the_rejection_report_is_csv_a_spreadsheet_cannot_execute(ctx, tmp_path):
    campaign = make_draft_campaign(db.session)
    path = write_csv(
        tmp_path / "l.csv", ["phone,name", "=1+2,x", "-5,y", "0912000001,z", "0912000001,w"]
    )
    lead_import = queued_import(db.session, campaign, path)
    run_import(db.session, lead_import.id)
    out = io.StringIO()
    assert write_rejection_report(db.session, lead_import.id, out) == 3
    assert out.getvalue().splitlines() == [
        "Line,Value,Reason,Detail",
        "2,'=1+2,not a phone number,",
        "3,'-5,invalid number,",
        "5,0912000001,duplicate in the file,same number as line 4",
    ]


@pytest.mark.parametrize(
    ("status", "job_active", "retriable"),
    [
        (ImportStatus.FAILED, False, True),
        (ImportStatus.RUNNING, True, False),
        (ImportStatus.RUNNING, False, True),  # its worker died mid-file
        (ImportStatus.QUEUED, False, True),
        (ImportStatus.DONE, False, False),
        (ImportStatus.UPLOADED, False, False),
    ],
)
def test_an_import_is_run_again_only_when_failed_or_left_by_a_dead_worker(
    status, job_active, retriable
):
    lead_import = LeadImport(id=7, status=status, rows_read=40, imported=30, rejected=10)
    assert can_retry(lead_import, job_active=job_active) is retriable
    shown = page_progress(lead_import, None, job_active=job_active)
    assert shown["imported"] == 30 and shown["stalled"] is (
        retriable and status != ImportStatus.FAILED
    )
    assert retry_import(lead_import, job_active=job_active) is retriable
    assert lead_import.status == (ImportStatus.QUEUED if retriable else status)


def test_the_page_shows_the_published_progress_until_the_import_finishes():
    running = LeadImport(id=8, status=ImportStatus.RUNNING, rows_read=0, imported=0, rejected=0)
    published = {"status": "running", "rows_read": 500, "imported": 480, "rejected": 20}
    assert page_progress(running, published, job_active=True)["imported"] == 480
    done = LeadImport(id=8, status=ImportStatus.DONE, rows_read=900, imported=880, rejected=20)
    assert page_progress(done, published, job_active=False) == {
        **progress_of(done).as_dict(),
        "stalled": False,
    }


def test_a_file_whose_every_row_is_malformed_rejects_each_row(ctx, tmp_path):
    campaign = make_draft_campaign(db.session)
    path = write_csv(
        tmp_path / "l.csv",
        ["phone,Full name", "0912000001,An\x00Bình", f"0912000002,{'x' * 131_073}"],
    )
    lead_import = queued_import(
        db.session, campaign, path, {"phone": "phone", "Full name": "full_name"}
    )
    done = run_import(db.session, lead_import.id)
    assert (done.status, done.imported, done.rejected) == ("done", 0, 2)
    assert [(line, reason) for line, _raw, reason, _detail in refused(lead_import.id)] == [
        (2, "malformed_row"),
        (3, "malformed_row"),
    ]
