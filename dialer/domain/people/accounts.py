"""Signing in and out: credentials, agent sessions on an extension, the activity log (A1, A5)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.domain import audit
from dialer.domain.errors import DomainError
from dialer.domain.notices import Notice
from dialer.domain.people.passwords import hash_password, needs_rehash, verify_password
from dialer.models import (
    ActivityKind,
    AgentActivity,
    AgentSession,
    AgentState,
    Extension,
    Role,
    User,
)


class LoginRefused(DomainError):
    """Sign-in refused; ``code`` is stable, the message is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.message = message


BAD_CREDENTIALS = "bad_credentials"
EXTENSION_REQUIRED = "extension_required"
UNKNOWN_EXTENSION = "unknown_extension"
EXTENSION_IN_USE = "extension_in_use"
CALL_IN_PROGRESS = "call_in_progress"

# What a new sign-in takes over from the session it replaces: the call and its survey.
_CARRIED_STATES = frozenset({AgentState.RINGING, AgentState.CONNECTED, AgentState.WRAPUP})
_ON_A_CALL = frozenset({AgentState.RINGING, AgentState.CONNECTED})


@dataclass(frozen=True)
class SignIn:
    user: User
    agent_session: AgentSession | None
    # The replaced session's screens are told (a second sign-in took its call over).
    takeovers: list[Notice] = field(default_factory=list)

    @property
    def notices(self) -> list[Notice]:
        """To publish once the sign-in commits: the wallboard's update and any takeover."""
        if self.agent_session is None:
            return list(self.takeovers)
        state = {"user_id": self.user.id, "state": self.agent_session.state}
        return [Notice(None, "agent", state), *self.takeovers]


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None (same time either way)."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    hashed = user.password_hash if user is not None else None
    if not verify_password(hashed, password) or user is None or not user.is_active_user:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def sign_in(
    session: Session,
    username: str,
    password: str,
    extension: str | None,
    *,
    now: datetime,
) -> SignIn:
    """Check credentials; for an agent, open an agent session on the extension (Ready)."""
    user = authenticate(session, username, password)
    if user is None:
        raise LoginRefused(BAD_CREDENTIALS, "Wrong agent id or password.")
    user.last_login_at = now
    if user.role != Role.AGENT:
        audit.record(session, "login", actor_id=user.id, target=user)
        return SignIn(user, None)
    replaced = [older.id for older in open_sessions(session, user.id)]
    agent_session = start_agent_session(session, user, extension, now=now)
    audit.record(
        session, "login", actor_id=user.id, target=user, extension=agent_session.extension.number
    )
    notices = [
        Notice(user.id, "session_replaced", {"session_id": old_id, "by": agent_session.id})
        for old_id in replaced
    ]
    return SignIn(user, agent_session, takeovers=notices)


def record_failed_sign_in(session: Session, username: str, code: str, address: str) -> None:
    """Put a refused sign-in in the audit log (the caller rolled the attempt back, then commits)."""
    known = session.scalar(select(User.id).where(User.username == username.strip()))
    audit.record(
        session,
        "login_failed",
        actor_id=known,
        attempted=username.strip()[:64],
        reason=code,
        address=address,
    )


def start_agent_session(
    session: Session, user: User, extension_number: str | None, *, now: datetime
) -> AgentSession:
    """Open the agent's session on an extension nobody else holds; close any older one.

    A call up (or its survey owed) in the older session carries over to the new
    one, so a second sign-in can neither dial that lead again nor skip the
    survey; signing in on another extension while a call is up is refused.
    """
    number = (extension_number or "").strip()
    if not number:
        raise LoginRefused(EXTENSION_REQUIRED, "Enter your extension.")
    extension = session.scalar(
        select(Extension).where(Extension.number == number, Extension.is_enabled.is_(True))
    )
    if extension is None:
        raise LoginRefused(UNKNOWN_EXTENSION, "This extension does not exist.")
    holder = session.scalar(
        select(AgentSession).where(
            AgentSession.extension_id == extension.id,
            AgentSession.logout_at.is_(None),
            AgentSession.user_id != user.id,
        )
    )
    if holder is not None:
        raise LoginRefused(EXTENSION_IN_USE, "Another agent is signed in on this extension.")
    olders = open_sessions(session, user.id)
    carried = next((s for s in olders if s.state in _CARRIED_STATES), None)
    if carried is not None and carried.state in _ON_A_CALL and carried.extension_id != extension.id:
        raise LoginRefused(
            CALL_IN_PROGRESS, "You have a call up on another extension: sign in on that one."
        )
    state, since, call_id = (
        (AgentState(carried.state), carried.state_since, carried.current_call_id)
        if carried is not None
        else (AgentState.READY, now, None)
    )
    for older in olders:
        end_agent_session(session, older, kind=ActivityKind.LOGOUT, now=now, detail="new login")
    agent_session = AgentSession(
        user=user,
        extension=extension,
        state=state,
        state_since=since,
        current_call_id=call_id,
        login_at=now,
        last_heartbeat_at=now,
    )
    session.add(agent_session)
    session.flush()
    session.add(
        AgentActivity(
            user_id=user.id,
            session_id=agent_session.id,
            kind=ActivityKind.LOGIN,
            started_at=now,
            detail=f"extension {extension.number}",
        )
    )
    return agent_session


def open_sessions(session: Session, user_id: int) -> list[AgentSession]:
    """The agent's sessions that have not been logged out."""
    return list(
        session.scalars(
            select(AgentSession).where(
                AgentSession.user_id == user_id, AgentSession.logout_at.is_(None)
            )
        )
    )


def current_agent_session(session: Session, user_id: int) -> AgentSession | None:
    """The agent's open session, if any."""
    sessions = open_sessions(session, user_id)
    return max(sessions, key=lambda s: s.login_at) if sessions else None


def end_agent_session(
    session: Session,
    agent_session: AgentSession,
    *,
    kind: ActivityKind,
    now: datetime,
    actor_id: int | None = None,
    detail: str = "",
) -> None:
    """Close the session: end an open pause, log the logout (or forced logout)."""
    close_open_pause(session, agent_session, now=now)
    agent_session.logout_at = now
    agent_session.state = AgentState.LOGGED_OUT
    agent_session.state_since = now
    agent_session.end_reason = str(kind)
    session.add(
        AgentActivity(
            user_id=agent_session.user_id,
            session_id=agent_session.id,
            kind=kind,
            started_at=now,
            actor_id=actor_id,
            detail=detail,
        )
    )


def close_open_pause(session: Session, agent_session: AgentSession, *, now: datetime) -> None:
    """Give the session's open pause its end time and duration."""
    pause = session.scalar(
        select(AgentActivity).where(
            AgentActivity.session_id == agent_session.id,
            AgentActivity.kind == ActivityKind.PAUSE,
            AgentActivity.ended_at.is_(None),
        )
    )
    if pause is not None:
        pause.ended_at = now
        pause.duration_s = int((now - pause.started_at).total_seconds())


def end_sessions(
    session: Session,
    user: User,
    *,
    now: datetime,
    actor: User | None = None,
) -> list[str]:
    """End the user's web sessions everywhere and close an agent's open session; its extensions.

    Leads the agent holds are not given back here: ``agents.sign_out`` does both.
    """
    forced = actor is not None and actor.id != user.id
    closed = []
    for agent_session in open_sessions(session, user.id):
        closed.append(agent_session.extension.number)
        end_agent_session(
            session,
            agent_session,
            kind=ActivityKind.FORCED_LOGOUT if forced else ActivityKind.LOGOUT,
            now=now,
            actor_id=actor.id if forced and actor else None,
        )
    # A cookie carrying the old version is refused from now on.
    user.session_version += 1
    audit.record(
        session, "forced_logout" if forced else "logout", actor_id=(actor or user).id, target=user
    )
    return closed
