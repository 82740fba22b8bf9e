"""Plain factory functions with keyword overrides; each adds to the session and flushes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.domain.people.passwords import hash_password
from dialer.models import Extension, Role, User


def make_extension(session: Session, number: str = "1001", **overrides: Any) -> Extension:
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
