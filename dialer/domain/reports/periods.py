"""The days a report covers, read from what a person typed (YYYY-MM-DD), checked once here.

Refusals share the results pages' codes (``filters``), so a bad date reads the same everywhere.
"""

from __future__ import annotations

from datetime import date, timedelta

from dialer.domain.reports.filters import BAD_DATE, DATES_BACKWARDS, ReportError

RANGE_TOO_LONG = "report_range_too_long"
MAX_DAYS = 92

__all__ = ["BAD_DATE", "DATES_BACKWARDS", "MAX_DAYS", "RANGE_TOO_LONG", "ReportError"]


def parse_day(value: str | None, default: date) -> date:
    """The day typed as YYYY-MM-DD, ``default`` when blank; raises BAD_DATE naming the value."""
    text = (value or "").strip()
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ReportError(BAD_DATE, value=text[:40]) from None


def parse_range(start: str | None, end: str | None, default: date) -> tuple[date, date]:
    """A from/to range of days (both included); one blank side takes the other's day."""
    first = parse_day(start, default if not (end or "").strip() else parse_day(end, default))
    last = parse_day(end, first)
    if last < first:
        raise ReportError(DATES_BACKWARDS, date_from=first.isoformat(), date_to=last.isoformat())
    if (last - first).days >= MAX_DAYS:
        raise ReportError(RANGE_TOO_LONG, days=MAX_DAYS)
    return first, last


def days_of(first: date, last: date) -> list[date]:
    """Every day from ``first`` to ``last``, both included."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
