"""Custom lead fields keep the file's column order everywhere (PostgreSQL's JSONB does not)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select

from dialer.domain.exports.campaign import export_table
from dialer.domain.leads.columns import in_column_order
from dialer.domain.leads.imports import run_import
from dialer.domain.reports import results
from dialer.domain.reports.filters import parse_filters
from dialer.extensions import db
from dialer.models import Lead
from tests.factories.campaigns import make_draft_campaign
from tests.factories.leads import queued_import, write_csv

# Neither alphabetical nor JSONB's order (shorter keys first): only the file says this order.
COLUMNS = ["Zeta dài nhất", "Bb", "A", "Ngày"]


def test_custom_fields_come_back_in_the_files_column_order(ctx, tmp_path) -> None:
    campaign = make_draft_campaign(db.session)
    path = write_csv(
        tmp_path / "leads.csv",
        ["SĐT," + ",".join(COLUMNS), "0912000001,z,b,a,n", "0912000002,z2,b2,a2,n2"],
    )
    lead_import = queued_import(db.session, campaign, path)
    run_import(db.session, lead_import.id)
    db.session.expire_all()  # read back what the database kept

    assert lead_import.custom_order == COLUMNS
    lead = db.session.scalars(select(Lead).order_by(Lead.line_no)).first()
    assert in_column_order(lead.custom, lead.lead_import.custom_order) == list(
        zip(COLUMNS, ["z", "b", "a", "n"], strict=True)
    )
    assert results.custom_fields(db.session, campaign) == COLUMNS
    filters = parse_filters(db.session, ZoneInfo("Asia/Ho_Chi_Minh"))
    header, _rows = export_table(db.session, campaign, "survey", filters)
    assert header[6:10] == COLUMNS


def test_a_key_outside_the_files_columns_follows_them() -> None:
    custom = {"Time zone": "Giờ Hà Nội", "Bb": "b", "Zeta": "z"}
    assert in_column_order(custom, ["Zeta", "Bb"]) == [
        ("Zeta", "z"),
        ("Bb", "b"),
        ("Time zone", "Giờ Hà Nội"),
    ]
