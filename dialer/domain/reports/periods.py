"""The days a report covers, read from what a person typed (YYYY-MM-DD), checked once here."""

from __future__ import annotations

from datetime import date, timedelta

from dialer.domain.errors import DomainError

BAD_DATE = "report_bad_date"
RANGE_UPSIDE_DOWN = "report_range_upside_down"
RANGE_TOO_LONG = "report_range_too_long"
MAX_DAYS = 92


class PeriodError(DomainError):
    """A date or a date range a report cannot use; ``params`` name the value at fault."""


def parse_day(value: str | None, default: date) -> date:
    """The day typed as YYYY-MM-DD, ``default`` when blank; raises BAD_DATE naming the value."""
    text = (value or "").strip()
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PeriodError(BAD_DATE, value=text[:40]) from None


def parse_range(start: str | None, end: str | None, default: date) -> tuple[date, date]:
    """A from/to range of days (both included); one blank side takes the other's day."""
    first = parse_day(start, default if not (end or "").strip() else parse_day(end, default))
    last = parse_day(end, first)
    if last < first:
        raise PeriodError(RANGE_UPSIDE_DOWN, start=first.isoformat(), end=last.isoformat())
    if (last - first).days >= MAX_DAYS:
        raise PeriodError(RANGE_TOO_LONG, days=MAX_DAYS)
    return first, last


def days_of(first: date, last: date) -> list[date]:
    """Every day from ``first`` to ``last``, both included."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
