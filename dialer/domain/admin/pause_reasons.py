"""The manager's pause reasons (A3): add, rename in both languages, order, retire;
paid or not, and an optional maximum length after which the wallboard flags the agent.

A reason is never deleted: past pauses point at it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialer.domain import audit
from dialer.domain.errors import DomainError
from dialer.models import AgentSession, AgentState, PauseReason, User

REASON_NAME_REQUIRED = "reason_name_required"
INVALID_MAX_MINUTES = "invalid_max_minutes"
NO_SUCH_REASON = "no_such_reason"
MAX_MINUTES_LIMIT = 1440


class PauseReasonError(DomainError):
    """A pause-reason change refused; nothing was saved."""


@dataclass(frozen=True)
class ReasonData:
    name: str
    name_vi: str
    is_paid: bool = False
    max_minutes: int | None = None


@dataclass(frozen=True)
class OverduePause:
    """An agent paused longer than the reason allows."""

    user_id: int
    username: str
    reason: str
    since: datetime
    over_s: int


def list_reasons(session: Session) -> list[PauseReason]:
    """Every reason the manager set (system ones left out), in order, retired ones last."""
    return list(
        session.scalars(
            select(PauseReason)
            .where(PauseReason.is_system.is_(False))
            .order_by(PauseReason.is_enabled.desc(), PauseReason.position, PauseReason.id)
        )
    )


def get_reason(session: Session, reason_id: int) -> PauseReason:
    """The manager's reason with this id; raises NO_SUCH_REASON."""
    reason = session.get(PauseReason, reason_id)
    if reason is None or reason.is_system:
        raise PauseReasonError(NO_SUCH_REASON)
    return reason


def _checked(data: ReasonData) -> ReasonData:
    name, name_vi = (data.name or "").strip(), (data.name_vi or "").strip()
    if not name or not name_vi or len(name) > 80 or len(name_vi) > 80:
        raise PauseReasonError(REASON_NAME_REQUIRED, fields={"name": REASON_NAME_REQUIRED})
    limit = data.max_minutes
    if limit is not None and not 1 <= limit <= MAX_MINUTES_LIMIT:
        raise PauseReasonError(INVALID_MAX_MINUTES, fields={"max_minutes": INVALID_MAX_MINUTES})
    return ReasonData(name, name_vi, bool(data.is_paid), limit)


def _new_code(session: Session, name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")[:24] or "reason"
    code, n = base, 1
    while session.scalar(select(PauseReason.id).where(PauseReason.code == code)) is not None:
        n += 1
        code = f"{base}_{n}"
    return code


def create_reason(session: Session, data: ReasonData, *, actor_id: int | None) -> PauseReason:
    """A new reason at the end of the list."""
    checked = _checked(data)
    last = session.scalar(select(func.max(PauseReason.position)).where(~PauseReason.is_system))
    reason = PauseReason(
        code=_new_code(session, checked.name),
        name=checked.name,
        name_vi=checked.name_vi,
        is_paid=checked.is_paid,
        max_minutes=checked.max_minutes,
        position=(last or 0) + 1,
    )
    session.add(reason)
    session.flush()
    audit.record(
        session, "pause_reason_created", actor_id=actor_id, target=reason, name=reason.name
    )
    return reason


def update_reason(
    session: Session, reason_id: int, data: ReasonData, *, actor_id: int | None
) -> PauseReason:
    """Rename (both languages), paid or not, maximum length."""
    reason = get_reason(session, reason_id)
    checked = _checked(data)
    changed = {}
    for key in ("name", "name_vi", "is_paid", "max_minutes"):
        old, new = getattr(reason, key), getattr(checked, key)
        if old != new:
            changed[key] = [old, new]
            setattr(reason, key, new)
    if changed:
        audit.record(
            session, "pause_reason_updated", actor_id=actor_id, target=reason, changed=changed
        )
    return reason


def move_reason(session: Session, reason_id: int, step: int, *, actor_id: int | None) -> None:
    """Move a reason one place up (step -1) or down (+1) among the active ones."""
    reason = get_reason(session, reason_id)
    ordered = [r for r in list_reasons(session) if r.is_enabled]
    if reason not in ordered:
        return
    index = ordered.index(reason)
    target = index + (1 if step > 0 else -1)
    if not 0 <= target < len(ordered):
        return
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, item in enumerate(ordered, start=1):
        item.position = position
    audit.record(
        session, "pause_reason_moved", actor_id=actor_id, target=reason, position=target + 1
    )


def set_reason_retired(
    session: Session, reason_id: int, retired: bool, *, actor_id: int | None
) -> PauseReason:
    """Retire a reason (agents no longer see it; past pauses keep it), or bring it back."""
    reason = get_reason(session, reason_id)
    if reason.is_enabled == (not retired):
        return reason
    reason.is_enabled = not retired
    audit.record(
        session,
        "pause_reason_retired" if retired else "pause_reason_restored",
        actor_id=actor_id,
        target=reason,
        name=reason.name,
    )
    return reason


def overdue_pauses(session: Session, now: datetime) -> list[OverduePause]:
    """Agents paused longer than their reason's maximum, longest over first (for the wallboard)."""
    rows = session.execute(
        select(AgentSession, PauseReason, User.username)
        .join(PauseReason, PauseReason.id == AgentSession.pause_reason_id)
        .join(User, User.id == AgentSession.user_id)
        .where(
            AgentSession.logout_at.is_(None),
            AgentSession.state == AgentState.PAUSED,
            PauseReason.max_minutes.is_not(None),
        )
    ).all()
    found = []
    for agent_session, reason, username in rows:
        since = agent_session.state_since
        if since.tzinfo is None:
            since = since.replace(tzinfo=now.tzinfo)
        over = now - (since + timedelta(minutes=reason.max_minutes))
        if over > timedelta(0):
            found.append(
                OverduePause(
                    agent_session.user_id, username, reason.name, since, int(over.total_seconds())
                )
            )
    return sorted(found, key=lambda o: -o.over_s)
