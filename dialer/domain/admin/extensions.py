"""Extensions (the agents' phones): create, edit, retire, and who is signed in on each."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.domain import audit
from dialer.domain.people.users import (
    EXTENSION,
    EXTENSION_IN_USE,
    INVALID_EXTENSION,
    UserError,
)
from dialer.models import AgentSession, Extension, User

DUPLICATE_EXTENSION = "duplicate_extension"
UNKNOWN_EXTENSION = "no_such_extension"


@dataclass(frozen=True)
class ExtensionRow:
    """One extension as the admin's list shows it."""

    extension: Extension
    owners: list[str]  # agents whose default extension it is
    signed_in: str | None  # who is signed in on it now


def list_extensions(session: Session) -> list[ExtensionRow]:
    """Every extension (retired ones last), with its owners and who is signed in on it."""
    extensions = list(
        session.scalars(select(Extension).order_by(Extension.is_enabled.desc(), Extension.number))
    )
    owners: dict[int, list[str]] = {}
    for extension_id, username in session.execute(
        select(User.default_extension_id, User.username).where(
            User.default_extension_id.is_not(None), User.is_active_user.is_(True)
        )
    ):
        owners.setdefault(extension_id, []).append(username)
    holders = dict(
        session.execute(
            select(AgentSession.extension_id, User.username)
            .join(User, User.id == AgentSession.user_id)
            .where(AgentSession.logout_at.is_(None))
        ).all()
    )
    return [ExtensionRow(e, sorted(owners.get(e.id, [])), holders.get(e.id)) for e in extensions]


def get_extension(session: Session, extension_id: int) -> Extension:
    """The extension with this id; raises UNKNOWN_EXTENSION."""
    extension = session.get(Extension, extension_id)
    if extension is None:
        raise UserError(UNKNOWN_EXTENSION)
    return extension


def _checked_number(session: Session, number: str, extension_id: int | None) -> str:
    text = (number or "").strip()
    if not EXTENSION.fullmatch(text):
        raise UserError(INVALID_EXTENSION, fields={"number": INVALID_EXTENSION}, extension=text)
    clash = session.scalar(
        select(Extension.id).where(Extension.number == text, Extension.id != (extension_id or 0))
    )
    if clash is not None:
        raise UserError(DUPLICATE_EXTENSION, fields={"number": DUPLICATE_EXTENSION}, extension=text)
    return text


def _holder(session: Session, extension_id: int) -> str | None:
    return session.scalar(
        select(User.username)
        .join(AgentSession, AgentSession.user_id == User.id)
        .where(AgentSession.extension_id == extension_id, AgentSession.logout_at.is_(None))
    )


def create_extension(
    session: Session, number: str, description: str, *, actor_id: int | None
) -> Extension:
    """A new extension agents may sign in on."""
    extension = Extension(
        number=_checked_number(session, number, None), description=(description or "").strip()
    )
    session.add(extension)
    session.flush()
    audit.record(
        session, "extension_created", actor_id=actor_id, target=extension, number=extension.number
    )
    return extension


def update_extension(
    session: Session, extension_id: int, number: str, description: str, *, actor_id: int | None
) -> Extension:
    """Renumber or describe an extension; an extension somebody is signed in on keeps its number."""
    extension = get_extension(session, extension_id)
    new_number = _checked_number(session, number, extension.id)
    if new_number != extension.number:
        holder = _holder(session, extension.id)
        if holder is not None:
            raise UserError(EXTENSION_IN_USE, extension=extension.number, owner=holder)
    changed = {
        k: [old, new]
        for k, old, new in (
            ("number", extension.number, new_number),
            ("description", extension.description, (description or "").strip()),
        )
        if old != new
    }
    extension.number = new_number
    extension.description = (description or "").strip()
    audit.record(session, "extension_updated", actor_id=actor_id, target=extension, changed=changed)
    return extension


def set_extension_retired(
    session: Session, extension_id: int, retired: bool, *, actor_id: int | None
) -> Extension:
    """Retire an extension nobody is signed in on (no sign-in on it after), or restore it."""
    extension = get_extension(session, extension_id)
    if retired:
        holder = _holder(session, extension.id)
        if holder is not None:
            raise UserError(EXTENSION_IN_USE, extension=extension.number, owner=holder)
    if extension.is_enabled == (not retired):
        return extension
    extension.is_enabled = not retired
    audit.record(
        session,
        "extension_retired" if retired else "extension_restored",
        actor_id=actor_id,
        target=extension,
        number=extension.number,
    )
    return extension
