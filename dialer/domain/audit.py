"""Writing to the append-only audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialer.models import AuditEntry, User


def record(
    session: Session,
    action: str,
    *,
    actor_id: int | None,
    target: object | None = None,
    **detail: Any,
) -> AuditEntry:
    """Add one audit entry to the session (the caller commits)."""
    entry = AuditEntry(
        action=action,
        actor_id=actor_id,
        target_type=type(target).__name__.lower() if target is not None else "",
        target_id=str(getattr(target, "id", "")) if target is not None else "",
        detail=detail,
    )
    session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditFilter:
    """What the audit page filters on: who (agent id), what (action), when (UTC bounds)."""

    who: str = ""
    what: str = ""
    since: datetime | None = None
    until: datetime | None = None


def search(
    session: Session, where: AuditFilter, *, page: int = 1, per_page: int = 50
) -> tuple[list[tuple[AuditEntry, str | None]], int]:
    """Entries matching the filter, newest first, each with the actor's agent id; and the total."""
    statement = select(AuditEntry, User.username).outerjoin(User, User.id == AuditEntry.actor_id)
    if where.who.strip():
        statement = statement.where(func.lower(User.username) == where.who.strip().lower())
    if where.what.strip():
        statement = statement.where(AuditEntry.action == where.what.strip())
    if where.since is not None:
        statement = statement.where(AuditEntry.at >= where.since)
    if where.until is not None:
        statement = statement.where(AuditEntry.at < where.until)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.execute(
        statement.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset((max(page, 1) - 1) * per_page)
        .limit(per_page)
    ).all()
    return [(entry, username) for entry, username in rows], total


def actions(session: Session) -> list[str]:
    """Every action the log holds, for the filter's list."""
    return list(session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))
