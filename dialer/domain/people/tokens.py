"""Bearer tokens for the JSON API: handed out once at login, stored only as a SHA-256 hash.

A token dies with the user's sessions: it records the user's session version,
which every sign-out (and every forced sign-out) bumps.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.models import ApiToken, User

TOKEN_LIFETIME = timedelta(hours=12)  # one shift
_PREFIX = "dlr_"


def token_hash(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def issue_token(session: Session, user: User, now: datetime) -> tuple[str, datetime]:
    """A new token for the user and its expiry; the plain token is never stored."""
    token = _PREFIX + secrets.token_urlsafe(32)
    expires_at = now + TOKEN_LIFETIME
    session.add(
        ApiToken(
            user_id=user.id,
            token_hash=token_hash(token),
            session_version=user.session_version,
            expires_at=expires_at,
            created_at=now,
        )
    )
    return token, expires_at


def user_for_token(session: Session, token: str, now: datetime) -> User | None:
    """The active user a live token belongs to, or None for anything else."""
    if not token.startswith(_PREFIX) or len(token) > 200:
        return None
    found = session.execute(
        select(ApiToken.expires_at, ApiToken.session_version, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == token_hash(token))
    ).first()
    if found is None:
        return None
    expires_at, version, user = found
    if expires_at <= now or not user.is_active_user or user.session_version != version:
        return None
    return user


def forget_expired(session: Session, now: datetime) -> int:
    """Delete tokens past their expiry; returns how many."""
    rows = session.scalars(select(ApiToken).where(ApiToken.expires_at <= now)).all()
    for row in rows:
        session.delete(row)
    return len(rows)
