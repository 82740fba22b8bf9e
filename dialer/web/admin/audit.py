"""The audit trail page (admin): the append-only log, filtered by who, what and when."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import render_template, request

from dialer.access import ADMINS, roles
from dialer.domain import audit
from dialer.extensions import db
from dialer.timefmt import local_zone
from dialer.web.admin import bp, page_number

PER_PAGE = 50


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _start_of(day: date | None) -> datetime | None:
    """Local midnight of the day, as an aware datetime (the log is stored in UTC)."""
    return datetime.combine(day, time(0), tzinfo=local_zone()) if day else None


@bp.get("/audit/")
@roles(*ADMINS)
def audit_log() -> str:
    who, what = request.args.get("who", ""), request.args.get("what", "")
    since, until = _day(request.args.get("from", "")), _day(request.args.get("to", ""))
    page = page_number(request.args.get("page", 1, type=int))
    where = audit.AuditFilter(
        who=who,
        what=what,
        since=_start_of(since),
        until=_start_of(until + timedelta(days=1)) if until else None,
    )
    entries, total = audit.search(db.session, where, page=page, per_page=PER_PAGE)
    return render_template(
        "admin/audit.html",
        entries=entries,
        total=total,
        actions=audit.actions(db.session),
        who=who,
        what=what,
        since=since.isoformat() if since else "",
        until=until.isoformat() if until else "",
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
    )
