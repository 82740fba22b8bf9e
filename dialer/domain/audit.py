"""Writing to the append-only audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from dialer.models import AuditEntry


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
