"""The rows an import refused, and the report of them in words (M2)."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from typing import IO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialer.domain.leads.terms import Reason
from dialer.models import LeadImportRejection

Translate = Callable[..., str]


def _english(message: str, **values: object) -> str:
    return message % values if values else message


def reason_label(reason: str, _: Translate = _english) -> str:
    """The rejection reason in words, in the language of ``_``."""
    labels = {
        Reason.MISSING_PHONE: _("missing phone number"),
        Reason.NOT_A_PHONE: _("not a phone number"),
        Reason.INVALID_NUMBER: _("invalid number"),
        Reason.MALFORMED_ROW: _("malformed row"),
        Reason.BLACKLISTED: _("blacklisted"),
        Reason.DUPLICATE_IN_FILE: _("duplicate in the file"),
        Reason.ALREADY_IN_CAMPAIGN: _("already in the campaign"),
    }
    return labels.get(reason, reason)  # type: ignore[call-overload]


def detail_text(detail: str, _: Translate = _english) -> str:
    """A rejection's detail code ("fields:3:2", "12"...) in words."""
    kind, _sep, rest = detail.partition(":")
    if kind.isdigit():
        return _("same number as line %(line)s", line=kind)
    if kind == "fields":
        found, _sep, expected = rest.partition(":")
        return _(
            "%(found)s fields where the header has %(expected)s", found=found, expected=expected
        )
    if kind == "unsplittable":
        return _("a stray quote: lines up to %(line)s could not be split", line=rest)
    if kind == "nul":
        return _("contains a NUL character")
    if kind == "too_long":
        field, _sep, limit = rest.partition(":")
        return _("%(field)s is longer than %(limit)s characters", field=field, limit=limit)
    return detail


def rejections(
    session: Session, import_id: int, limit: int | None = None
) -> list[LeadImportRejection]:
    """The import's rejections in file order."""
    query = (
        select(LeadImportRejection)
        .where(LeadImportRejection.import_id == import_id)
        .order_by(LeadImportRejection.line_no)
    )
    return list(session.scalars(query.limit(limit) if limit else query))


def rejection_counts(session: Session, import_id: int) -> dict[str, int]:
    """How many rows each reason refused."""
    rows = session.execute(
        select(LeadImportRejection.reason, func.count())
        .where(LeadImportRejection.import_id == import_id)
        .group_by(LeadImportRejection.reason)
    )
    return {reason: count for reason, count in rows}


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """A cell a spreadsheet will show as text, never run as a formula (OWASP CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def write_rejection_report(
    session: Session, import_id: int, handle: IO[str], _: Translate = _english
) -> int:
    """Write the rejections as CSV (line, value, reason, detail); return how many rows."""
    writer = csv.writer(handle)
    writer.writerow([_("Line"), _("Value"), _("Reason"), _("Detail")])
    count = 0
    for row in _stream_rejections(session, import_id):
        writer.writerow(
            [
                row.line_no,
                safe_cell(row.raw_value),
                reason_label(row.reason, _),
                safe_cell(detail_text(row.detail, _)),
            ]
        )
        count += 1
    return count


def _stream_rejections(session: Session, import_id: int) -> Iterator[LeadImportRejection]:
    query = (
        select(LeadImportRejection)
        .where(LeadImportRejection.import_id == import_id)
        .order_by(LeadImportRejection.line_no)
        .execution_options(yield_per=5000)
    )
    yield from session.scalars(query)
