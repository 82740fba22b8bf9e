"""People administration: create, edit, search, deactivate users of every role; set passwords.

Nothing is ever deleted: a deactivated user keeps every call, survey and note
that points at them; they simply cannot sign in, and are signed out at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from dialer.domain import audit
from dialer.domain.errors import DomainError
from dialer.domain.notices import Notice
from dialer.domain.people import accounts, agents, snapshots
from dialer.domain.people.passwords import new_password_hash, verify_password
from dialer.models import AgentSession, AgentState, Extension, Queue, QueueMember, Role, User

AGENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")
EXTENSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9_+*#.-]{0,31}")
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")
ROLES = tuple(str(r) for r in Role)

# Refusal codes (the web edge and the CLI word them).
INVALID_AGENT_ID = "invalid_agent_id"
DUPLICATE_AGENT_ID = "duplicate_agent_id"
NAME_REQUIRED = "name_required"
INVALID_EMAIL = "invalid_email"
UNKNOWN_ROLE = "unknown_role"
INVALID_EXTENSION = "invalid_extension"
EXTENSION_RETIRED = "extension_retired"
EXTENSION_TAKEN = "extension_taken"
EXTENSION_IN_USE = "extension_in_use"
UNKNOWN_QUEUE = "unknown_queue"
UNKNOWN_USER = "unknown_user"
NO_SUCH_AGENT_ID = "no_such_agent_id"
LAST_ADMIN = "last_admin"
SELF_DEACTIVATE = "self_deactivate"
WRONG_PASSWORD = "wrong_password"  # noqa: S105 (a refusal code)
SAME_PASSWORD = "same_password"  # noqa: S105 (a refusal code)
PASSWORDS_DIFFER = "passwords_differ"  # noqa: S105 (a refusal code)


class UserError(DomainError):
    """A people change refused; nothing was saved."""


@dataclass(frozen=True)
class UserData:
    """What an admin types for a user (queues by name)."""

    username: str
    display_name: str
    role: str
    extension: str = ""
    queues: tuple[str, ...] = ()
    language: str | None = None
    email: str | None = None  # None: as it is


@dataclass
class Deactivated:
    """The deactivated user, and what the screens and the PBX must hear."""

    user: User
    notices: list[Notice] = field(default_factory=list)
    extensions: list[str] = field(default_factory=list)


def get_user(session: Session, user_id: int) -> User:
    """The user with this id; raises UNKNOWN_USER."""
    user = session.get(User, user_id)
    if user is None:
        raise UserError(UNKNOWN_USER)
    return user


def find_user(session: Session, username: str) -> User:
    """The user with this agent id; raises UNKNOWN_USER naming it."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise UserError(NO_SUCH_AGENT_ID, username=username.strip())
    return user


def search_users(
    session: Session,
    query: str = "",
    *,
    role: str = "",
    active: bool | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[User], int]:
    """Users whose agent id or name contains ``query``, by agent id, one page and the total."""
    statement = select(User)
    text = query.strip()
    if text:
        like = f"%{text.lower()}%"
        statement = statement.where(
            or_(func.lower(User.username).like(like), func.lower(User.display_name).like(like))
        )
    if role in ROLES:
        statement = statement.where(User.role == role)
    if active is not None:
        statement = statement.where(User.is_active_user.is_(active))
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    users = session.scalars(
        statement.order_by(User.username).offset((max(page, 1) - 1) * per_page).limit(per_page)
    )
    return list(users), total


def queue_names_of(session: Session, user_id: int) -> list[str]:
    """The names of the queues the user is a member of."""
    return snapshots.queue_names(session, user_id)


def signed_in_extension(session: Session, user_id: int) -> str | None:
    """The extension the user is signed in on now, if any."""
    return session.scalar(
        select(Extension.number)
        .join(AgentSession, AgentSession.extension_id == Extension.id)
        .where(AgentSession.user_id == user_id, AgentSession.logout_at.is_(None))
    )


# ------------------------------------------------------------- create, edit


def create_user(
    session: Session,
    data: UserData,
    password: str,
    *,
    actor_id: int | None,
    must_change_password: bool = True,
) -> User:
    """A new active user with a password that meets the rules; raises UserError/PasswordRefused."""
    username = _checked_username(session, data.username, None)
    user = User(
        username=username,
        display_name=_checked_name(data.display_name),
        role=_checked_role(data.role),
        password_hash=new_password_hash(password, username=username),
        language=data.language,
        must_change_password=must_change_password,
        email=_checked_email(data.email),
    )
    user.default_extension = _checked_extension(session, data.extension, None)
    session.add(user)
    session.flush()
    _set_queues(session, user, data.queues)
    audit.record(
        session,
        "user_created",
        actor_id=actor_id,
        target=user,
        username=username,
        role=user.role,
        extension=data.extension.strip(),
        queues=sorted(data.queues),
    )
    return user


def update_user(session: Session, user_id: int, data: UserData, *, actor_id: int | None) -> User:
    """Change a user's agent id, name, role, extension and queues (all or nothing)."""
    user = get_user(session, user_id)
    before = _describe(session, user)
    role = _checked_role(data.role)
    if user.role == Role.ADMIN and role != Role.ADMIN and user.is_active_user:
        _refuse_if_last_admin(session, user)
    user.username = _checked_username(session, data.username, user.id)
    user.display_name = _checked_name(data.display_name)
    user.role = role
    user.default_extension = _checked_extension(session, data.extension, user.id)
    if data.language is not None:
        user.language = data.language or None
    if data.email is not None:
        user.email = _checked_email(data.email)
    _set_queues(session, user, data.queues)
    session.flush()
    after = _describe(session, user)
    changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    audit.record(session, "user_updated", actor_id=actor_id, target=user, changed=changed)
    return user


def _describe(session: Session, user: User) -> dict[str, object]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "extension": user.default_extension.number if user.default_extension else "",
        "queues": queue_names_of(session, user.id),
        "email": user.email,
    }


def _checked_username(session: Session, username: str, user_id: int | None) -> str:
    text = (username or "").strip()
    if not AGENT_ID.fullmatch(text):
        raise UserError(INVALID_AGENT_ID, fields={"username": INVALID_AGENT_ID}, username=text)
    clash = session.scalar(
        select(User.id).where(func.lower(User.username) == text.lower(), User.id != (user_id or 0))
    )
    if clash is not None:
        raise UserError(DUPLICATE_AGENT_ID, fields={"username": DUPLICATE_AGENT_ID}, username=text)
    return text


def _checked_name(name: str) -> str:
    text = (name or "").strip()
    if not text or len(text) > 120:
        raise UserError(NAME_REQUIRED, fields={"display_name": NAME_REQUIRED})
    return text


def _checked_email(email: str | None) -> str:
    """The address the helpdesk knows the person by ('' for none), lower-cased."""
    text = (email or "").strip()
    if text and (len(text) > 255 or not EMAIL.fullmatch(text)):
        raise UserError(INVALID_EMAIL, fields={"email": INVALID_EMAIL})
    return text.lower()


def _checked_role(role: str) -> str:
    text = (role or "").strip().lower()
    if text not in ROLES:
        raise UserError(UNKNOWN_ROLE, fields={"role": UNKNOWN_ROLE}, role=text)
    return text


def _checked_extension(session: Session, number: str, user_id: int | None) -> Extension | None:
    """The user's default extension: made when new; refused when retired or someone else's."""
    text = (number or "").strip()
    if not text:
        return None
    if not EXTENSION.fullmatch(text):
        raise UserError(INVALID_EXTENSION, fields={"extension": INVALID_EXTENSION}, extension=text)
    extension = session.scalar(select(Extension).where(Extension.number == text))
    if extension is None:
        extension = Extension(number=text)
        session.add(extension)
        session.flush()
        return extension
    if not extension.is_enabled:
        raise UserError(EXTENSION_RETIRED, fields={"extension": EXTENSION_RETIRED}, extension=text)
    owner = session.scalar(
        select(User.username).where(
            User.default_extension_id == extension.id,
            User.is_active_user.is_(True),
            User.id != (user_id or 0),
        )
    )
    if owner is not None:
        raise UserError(
            EXTENSION_TAKEN, fields={"extension": EXTENSION_TAKEN}, extension=text, owner=owner
        )
    holder = session.scalar(
        select(User.username)
        .join(AgentSession, AgentSession.user_id == User.id)
        .where(
            AgentSession.extension_id == extension.id,
            AgentSession.logout_at.is_(None),
            User.id != (user_id or 0),
        )
    )
    if holder is not None:
        raise UserError(
            EXTENSION_IN_USE, fields={"extension": EXTENSION_IN_USE}, extension=text, owner=holder
        )
    return extension


def _set_queues(session: Session, user: User, names: tuple[str, ...] | list[str]) -> None:
    wanted: dict[str, Queue] = {}
    for name in names:
        text = name.strip()
        if not text:
            continue
        queue = session.scalar(select(Queue).where(Queue.name == text, Queue.is_enabled.is_(True)))
        if queue is None:
            raise UserError(UNKNOWN_QUEUE, fields={"queues": UNKNOWN_QUEUE}, queue=text)
        wanted[queue.name] = queue
    current = {
        m.queue.name: m
        for m in session.scalars(select(QueueMember).where(QueueMember.user_id == user.id))
    }
    for name, member in current.items():
        if name not in wanted:
            session.delete(member)
    for name, queue in wanted.items():
        if name not in current:
            session.add(QueueMember(queue_id=queue.id, user_id=user.id))
    session.flush()


# ------------------------------------------------------------ deactivate


def _active_admins(session: Session) -> int:
    return (
        session.scalar(
            select(func.count(User.id)).where(
                User.role == Role.ADMIN, User.is_active_user.is_(True)
            )
        )
        or 0
    )


def _refuse_if_last_admin(session: Session, user: User) -> None:
    if user.role == Role.ADMIN and user.is_active_user and _active_admins(session) <= 1:
        raise UserError(LAST_ADMIN, username=user.username)


def deactivate_user(
    session: Session, user_id: int, *, actor: User | None, now: datetime
) -> Deactivated:
    """Stop the user signing in and sign them out everywhere now; all history stays."""
    user = get_user(session, user_id)
    if actor is not None and actor.id == user.id:
        raise UserError(SELF_DEACTIVATE)
    _refuse_if_last_admin(session, user)
    if not user.is_active_user:
        return Deactivated(user)
    extensions = [
        s.extension.number for s in accounts.open_sessions(session, user.id) if s.extension
    ]
    agents.release_claims(session, user.id)
    accounts.end_sessions(session, user, now=now, actor=actor)
    user.is_active_user = False
    audit.record(session, "user_deactivated", actor_id=actor.id if actor else None, target=user)
    by = actor.display_name if actor else ""
    out = {"user_id": user.id, "state": AgentState.LOGGED_OUT, "extensions": extensions}
    notices = [
        Notice(user.id, "forced_logout", {"by": by, "user_id": user.id}),
        Notice(None, "agent", out),
    ]
    return Deactivated(user, notices, extensions)


def reactivate_user(session: Session, user_id: int, *, actor_id: int | None) -> User:
    """Let a deactivated user sign in again (with the password they had)."""
    user = get_user(session, user_id)
    if not user.is_active_user:
        user.is_active_user = True
        audit.record(session, "user_reactivated", actor_id=actor_id, target=user)
    return user


# -------------------------------------------------------------- passwords


def set_password(
    session: Session,
    user_id: int,
    password: str,
    *,
    actor_id: int | None,
    must_change_password: bool = True,
) -> User:
    """An admin sets a new password; the user's other sessions end."""
    user = get_user(session, user_id)
    user.password_hash = new_password_hash(password, username=user.username)
    user.must_change_password = must_change_password
    user.session_version += 1  # signed-in browsers and API tokens stop working
    audit.record(
        session,
        "password_set",
        actor_id=actor_id,
        target=user,
        must_change=must_change_password,
    )
    return user


def change_own_password(
    session: Session, user: User, current: str, new: str, confirm: str | None = None
) -> User:
    """The user changes their own password after proving the current one (typed twice)."""
    if not verify_password(user.password_hash, current or ""):
        raise UserError(WRONG_PASSWORD, fields={"current": WRONG_PASSWORD})
    if confirm is not None and confirm != new:
        raise UserError(PASSWORDS_DIFFER, fields={"confirm": PASSWORDS_DIFFER})
    if verify_password(user.password_hash, new or ""):
        raise UserError(SAME_PASSWORD, fields={"password": SAME_PASSWORD})
    user.password_hash = new_password_hash(new, username=user.username)
    user.must_change_password = False
    user.session_version += 1  # other browsers and tokens of the user stop working
    audit.record(session, "password_changed", actor_id=user.id, target=user)
    return user
