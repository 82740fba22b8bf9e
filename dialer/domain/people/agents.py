"""The agent's state machine: Ready, Paused, on a call, wrap-up, extension unavailable (A2-A5).

Every change locks the agent's open session row first (an UPDATE of its
heartbeat), so two requests of one agent (a double click, two tabs) run one
after the other, and on SQLite the transaction holds the write lock from its
first statement (BEGIN IMMEDIATE semantics). Later locks follow the same
order everywhere: agent session, then lead, then call.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dialer.domain.errors import DomainError
from dialer.domain.notices import Notice
from dialer.domain.people import accounts
from dialer.domain.people.snapshots import agent_notice
from dialer.models import (
    ActivityKind,
    AgentActivity,
    AgentSession,
    AgentState,
    Extension,
    Lead,
    LeadStatus,
    PauseReason,
    Role,
    User,
)
from dialer.telephony.port import ExtensionState, ExtensionStateChanged

DISCONNECTED_REASON = "disconnected"

# Error codes; the web layer turns each into a sentence in the agent's language.
NOT_SIGNED_IN = "not_signed_in"
WRONG_STATE = "wrong_state"
REASON_REQUIRED = "reason_required"
UNKNOWN_REASON = "unknown_reason"
EXTENSION_UNAVAILABLE = "extension_unavailable"
UNKNOWN_AGENT = "unknown_agent"

ON_A_CALL = frozenset({AgentState.RINGING, AgentState.CONNECTED})


class AgentError(DomainError):
    """An agent action refused; ``code`` is stable, ``params`` fill the message."""


def lock_agent_session(
    session: Session, user_id: int, now: datetime, *, is_from_agent: bool = True
) -> AgentSession:
    """The agent's open session, locked for this transaction; raises NOT_SIGNED_IN.

    A request from the agent's screen also counts as a heartbeat; the PBX and
    jobs lock without touching it.
    """
    values = (
        {"last_heartbeat_at": now} if is_from_agent else {"state_since": AgentSession.state_since}
    )
    locked = session.scalars(
        update(AgentSession)
        .where(AgentSession.user_id == user_id, AgentSession.logout_at.is_(None))
        .values(**values)
        .returning(AgentSession)
        .execution_options(synchronize_session=False, populate_existing=True)
    ).first()
    if locked is None:
        raise AgentError(NOT_SIGNED_IN)
    return locked


def require_state(agent_session: AgentSession, *allowed: AgentState) -> None:
    """Raise unless the agent is in one of ``allowed``; an unavailable extension says so."""
    if agent_session.state in allowed:
        return
    if agent_session.state == AgentState.UNAVAILABLE:
        raise AgentError(EXTENSION_UNAVAILABLE, extension=agent_session.extension.number)
    raise AgentError(WRONG_STATE, state=agent_session.state)


def set_state(agent_session: AgentSession, state: AgentState, now: datetime) -> None:
    """Move the agent to ``state``, restarting the state's timer when it changes."""
    if agent_session.state != state:
        agent_session.state = state
        agent_session.state_since = now
        agent_session.autodial_at = None  # a countdown belongs to the state it started in


def record_heartbeat(session: Session, user_id: int, now: datetime) -> bool:
    """Note that the agent's screen is alive; False when the agent has no open session."""
    result = session.execute(
        update(AgentSession)
        .where(AgentSession.user_id == user_id, AgentSession.logout_at.is_(None))
        .values(last_heartbeat_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def record_heartbeats(session: Session, user_ids: Iterable[int], now: datetime) -> set[int]:
    """Note many screens alive in one statement; the users among them still signed in."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return set()
    rows = session.execute(
        update(AgentSession)
        .where(AgentSession.user_id.in_(wanted), AgentSession.logout_at.is_(None))
        .values(last_heartbeat_at=now)
        .returning(AgentSession.user_id)
        .execution_options(synchronize_session=False)
    )
    return set(rows.scalars())


# ----------------------------------------------------------------- pauses


def pausable_reasons(session: Session) -> list[PauseReason]:
    """The manager's pause reasons an agent may pick, in the manager's order."""
    return list(
        session.scalars(
            select(PauseReason)
            .where(PauseReason.is_enabled.is_(True), PauseReason.is_system.is_(False))
            .order_by(PauseReason.position, PauseReason.id)
        )
    )


def pause(session: Session, user_id: int, reason_id: int | None, now: datetime) -> list[Notice]:
    """Pause a Ready agent with a reason from the list (a paused agent changes reason)."""
    agent_session = lock_agent_session(session, user_id, now)
    if reason_id is None:
        raise AgentError(REASON_REQUIRED)
    reason = session.get(PauseReason, reason_id)
    if reason is None or not reason.is_enabled or reason.is_system:
        raise AgentError(UNKNOWN_REASON)
    require_state(agent_session, AgentState.READY, AgentState.PAUSED)
    start_pause(session, agent_session, reason, now)
    return [agent_notice(session, agent_session, now)]


def unpause(session: Session, user_id: int, now: datetime) -> list[Notice]:
    """Back to Ready from a pause (or from wrap-up); the pause is logged with its duration."""
    agent_session = lock_agent_session(session, user_id, now)
    require_state(agent_session, AgentState.PAUSED, AgentState.WRAPUP, AgentState.READY)
    accounts.close_open_pause(session, agent_session, now=now)
    agent_session.pause_reason_id = None
    agent_session.lead_released_at = None
    set_state(agent_session, AgentState.READY, now)
    return [agent_notice(session, agent_session, now)]


def start_pause(
    session: Session, agent_session: AgentSession, reason: PauseReason, now: datetime
) -> None:
    """Pause the agent with ``reason`` now (a pause already open is closed first)."""
    accounts.close_open_pause(session, agent_session, now=now)
    agent_session.pause_reason_id = reason.id
    agent_session.pause_reason = reason
    set_state(agent_session, AgentState.PAUSED, now)
    session.add(
        AgentActivity(
            user_id=agent_session.user_id,
            session_id=agent_session.id,
            kind=ActivityKind.PAUSE,
            pause_reason_id=reason.id,
            started_at=now,
        )
    )


def system_reason(
    session: Session, code: str, name: str, name_vi: str, position: int
) -> PauseReason:
    """A pause reason the system itself uses (not the manager's list), created on first need."""
    reason = session.scalar(select(PauseReason).where(PauseReason.code == code))
    if reason is None:
        reason = PauseReason(
            code=code, name=name, name_vi=name_vi, position=position, is_system=True
        )
        session.add(reason)
        session.flush()
    return reason


def disconnected_reason(session: Session) -> PauseReason:
    """The system's "disconnected" pause reason."""
    return system_reason(session, DISCONNECTED_REASON, "Disconnected", "Mất kết nối", 999)


def pause_silent_agents(session: Session, now: datetime, timeout_s: int) -> list[Notice]:
    """Pause with reason "disconnected" every idle agent whose screen sent nothing for timeout_s."""
    cutoff = now - timedelta(seconds=timeout_s)
    silent_ids = list(
        session.scalars(
            select(AgentSession.user_id).where(
                AgentSession.logout_at.is_(None),
                AgentSession.state.in_([AgentState.READY, AgentState.WRAPUP]),
                AgentSession.last_heartbeat_at < cutoff,
            )
        )
    )
    notices: list[Notice] = []
    for user_id in silent_ids:
        agent_session = _lock_if_still_silent(session, user_id, cutoff)
        if agent_session is None:
            continue
        start_pause(session, agent_session, disconnected_reason(session), now)
        notices.append(agent_notice(session, agent_session, now))
    return notices


def _lock_if_still_silent(session: Session, user_id: int, cutoff: datetime) -> AgentSession | None:
    # Lock without touching the heartbeat, then look again: the screen may have spoken since.
    locked_id = session.scalar(
        update(AgentSession)
        .where(
            AgentSession.user_id == user_id,
            AgentSession.logout_at.is_(None),
            AgentSession.last_heartbeat_at < cutoff,
            AgentSession.state.in_([AgentState.READY, AgentState.WRAPUP]),
        )
        .values(state_since=AgentSession.state_since)
        .returning(AgentSession.id)
        .execution_options(synchronize_session=False)
    )
    return (
        None if locked_id is None else session.get(AgentSession, locked_id, populate_existing=True)
    )


# --------------------------------------------------------- extension state


def apply_extension_state(session: Session, event: ExtensionStateChanged) -> list[Notice]:
    """Block calling while the agent's device is unregistered; lift the block when it returns."""
    if event.state == ExtensionState.UNKNOWN:
        return []
    notices = []
    for user_id in session.scalars(
        select(AgentSession.user_id)
        .join(Extension, Extension.id == AgentSession.extension_id)
        .where(AgentSession.logout_at.is_(None), Extension.number == event.extension)
    ):
        agent_session = lock_agent_session(session, user_id, event.at, is_from_agent=False)
        if _apply_device_state(agent_session, event.state, event.at):
            notices.append(agent_notice(session, agent_session, event.at))
    return notices


def _apply_device_state(agent_session: AgentSession, state: ExtensionState, now: datetime) -> bool:
    if state == ExtensionState.UNAVAILABLE:
        if agent_session.state in ON_A_CALL or agent_session.state == AgentState.UNAVAILABLE:
            return False
        set_state(agent_session, AgentState.UNAVAILABLE, now)
        return True
    if agent_session.state != AgentState.UNAVAILABLE:
        return False
    # A pause taken before the device dropped is still open: go back to it.
    set_state(
        agent_session,
        AgentState.PAUSED if agent_session.pause_reason_id else AgentState.READY,
        now,
    )
    return True


# --------------------------------------------------------------- sign out


def release_claims(session: Session, user_id: int) -> int:
    """Give back the leads the agent holds but has not called; returns how many."""
    leads = list(
        session.scalars(
            select(Lead)
            .where(Lead.claimed_by_id == user_id, Lead.status == LeadStatus.CLAIMED)
            .with_for_update()
        )
    )
    for lead in leads:
        lead.status = LeadStatus.RETRY if lead.attempts else LeadStatus.NEW
        lead.claimed_by_id = None
        lead.claimed_at = None
    return len(leads)


def sign_out(session: Session, user: User, now: datetime) -> list[Notice]:
    """The agent signs out: held leads go back, the session closes everywhere."""
    release_claims(session, user.id)
    closed = accounts.end_sessions(session, user, now=now)
    out = {"user_id": user.id, "state": AgentState.LOGGED_OUT, "extensions": closed}
    return [Notice(None, "agent", out)]


def force_sign_out(session: Session, actor: User, user_id: int, now: datetime) -> list[Notice]:
    """A supervisor ends an agent's session; the agent's open screens are told at once.

    Only agents are forced out this way (staff sign out themselves).
    """
    user = session.get(User, user_id)
    # Only agents are forced out: a supervisor must not end a manager's or an admin's session.
    if user is None or user.role != Role.AGENT or user.id == actor.id:
        raise AgentError(UNKNOWN_AGENT)
    release_claims(session, user.id)
    closed = accounts.end_sessions(session, user, now=now, actor=actor)
    out = {"user_id": user.id, "state": AgentState.LOGGED_OUT, "extensions": closed}
    return [
        Notice(user.id, "forced_logout", {"by": actor.display_name, "user_id": user.id}),
        Notice(None, "agent", out),
    ]
