"""People: extensions, users, agents (signed in or not), pause reasons."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.domain.people import accounts
from dialer.domain.people.passwords import hash_password
from dialer.models import AgentSession, Extension, PauseReason, Queue, QueueMember, Role, User
from tests.factories.campaigns import MORNING

AGENT_PASSWORD = "agent-pass"


def make_extension(session: Session, number: str = "1001", **overrides: Any) -> Extension:
    """The extension ``number``, made once (a second call returns the same row)."""
    existing = session.scalar(select(Extension).where(Extension.number == number))
    if existing is not None:
        return existing
    extension = Extension(number=number, **overrides)
    session.add(extension)
    session.flush()
    return extension


def make_user(
    session: Session,
    username: str = "agent1",
    *,
    role: Role | str = Role.AGENT,
    password: str = "secret-pass",
    extension: str | None = None,
    **overrides: Any,
) -> User:
    """A user with ``password`` hashed for real and, if given, a default extension."""
    user = User(
        username=username,
        display_name=overrides.pop("display_name", username.title()),
        role=str(role),
        password_hash=hash_password(password),
        default_extension=make_extension(session, extension) if extension else None,
        **overrides,
    )
    session.add(user)
    session.flush()
    return user


@functools.cache
def agent_password_hash() -> str:
    """One slow password hash for every agent of a test run."""
    return hash_password(AGENT_PASSWORD)


def make_agent(
    session: Session,
    username: str = "agent1",
    extension: str = "1001",
    *,
    now: datetime = MORNING,
    signed_in: bool = True,
    queues: tuple[str, ...] = (),
) -> tuple[User, AgentSession | None]:
    """An agent (password ``AGENT_PASSWORD``) in ``queues``, signed in on ``extension``."""
    user = User(
        username=username,
        display_name=username.title(),
        role=Role.AGENT,
        password_hash=agent_password_hash(),
        default_extension=make_extension(session, extension),
    )
    session.add(user)
    for name in queues:
        queue = session.query(Queue).filter_by(name=name).one_or_none() or Queue(name=name)
        session.add(QueueMember(queue=queue, user=user))
    session.flush()
    agent_session = (
        accounts.start_agent_session(session, user, extension, now=now) if signed_in else None
    )
    session.flush()
    return user, agent_session


def signed_in_agent(
    session: Session, username: str = "agent1", extension: str = "1001", *, at: datetime
) -> tuple[User, AgentSession]:
    """An agent (password ``pw``) with an open session on ``extension`` (Ready)."""
    make_extension(session, extension)
    user = make_user(session, username, password="pw")
    agent_session = accounts.start_agent_session(session, user, extension, now=at)
    session.flush()
    return user, agent_session


def make_pause_reason(
    session: Session, code: str = "lunch", name: str = "Lunch", **overrides: Any
) -> PauseReason:
    """A pause reason agents can pick."""
    reason = PauseReason(code=code, name=name, **overrides)
    session.add(reason)
    session.flush()
    return reason
