"""The product's own CRM: a contact per number, found whatever shape the number arrives in (I2)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from dialer.domain import audit
from dialer.domain.errors import DomainError
from dialer.domain.phones import DEFAULT_REGION, NormalisedPhone, national_variants, normalise_phone
from dialer.models import (
    AgentSession,
    AgentState,
    Call,
    CallState,
    Contact,
    Role,
    User,
    utcnow,
)

# What a PBX may put before or inside a caller id that is not part of the number.
_NOT_DIGITS = re.compile(r"[^0-9]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

LIMITS = {"name": 160, "email": 255, "address": 1000, "notes": 4000}


INVALID_CONTACT = "invalid"


class ContactInvalid(DomainError):
    """The contact was not saved; ``errors`` maps each bad field to a stable code."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(
            INVALID_CONTACT, ", ".join(f"{field}: {code}" for field, code in errors.items())
        )
        self.errors = errors


@dataclass(frozen=True)
class ContactInput:
    """What an agent may edit on a contact (the number is its identity and is not edited)."""

    name: str = ""
    email: str = ""
    address: str = ""
    notes: str = ""
    is_vip: bool = False

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> ContactInput:
        """Read the fields from a form or JSON body; anything missing is empty.

        Raises ContactInvalid (``not_text``) for a field given as a list, an object or a number.
        """
        wrong = {
            field: "not_text"
            for field in ("name", "email", "address", "notes")
            if data.get(field) is not None and not isinstance(data.get(field), str)
        }
        if wrong:
            raise ContactInvalid(wrong)
        return cls(
            name=str(data.get("name") or "").strip(),
            email=str(data.get("email") or "").strip(),
            address=str(data.get("address") or "").strip(),
            notes=str(data.get("notes") or "").strip(),
            is_vip=data.get("is_vip") in (True, "true", "on", "1", "yes", 1),
        )


def number_key(raw: str | None, region: str = DEFAULT_REGION) -> str:
    """The one form a number is stored and searched in: E.164 when valid, else its digits."""
    text = (raw or "").strip()
    if not text:
        return ""
    found = normalise_phone(text, region)
    if isinstance(found, NormalisedPhone):
        return found.e164
    digits = _NOT_DIGITS.sub("", text)
    return ("+" + digits if text.startswith("+") else digits)[:32]


def find_contact(session: Session, raw: str | None, region: str = DEFAULT_REGION) -> Contact | None:
    """The contact of a number given national (0...), E.164, without + or without trunk prefix."""
    key = number_key(raw, region)
    if not key:
        return None
    # A number that is not valid E.164 was kept as its digits: only they can match.
    candidates = national_variants(key) if _is_e164(key, region) else [key]
    return session.scalar(select(Contact).where(Contact.phone.in_(candidates)).limit(1))


def _is_e164(key: str, region: str) -> bool:
    return key.startswith("+") and normalise_phone(key, region) == NormalisedPhone(key, key)


def validate(data: ContactInput) -> None:
    """Raise ContactInvalid naming every field that is too long or malformed."""
    errors = {
        field: "too_long" for field, limit in LIMITS.items() if len(getattr(data, field)) > limit
    }
    if data.email and "email" not in errors and not _EMAIL.match(data.email):
        errors["email"] = "invalid_email"
    if errors:
        raise ContactInvalid(errors)


def save_contact(
    session: Session,
    raw_number: str,
    data: ContactInput,
    *,
    region: str = DEFAULT_REGION,
    call: Call | None = None,
) -> tuple[Contact, bool]:
    """Update the number's contact, or create it on first save; True when it was created."""
    validate(data)
    contact = find_contact(session, raw_number, region)
    created = contact is None
    if contact is None:
        phone = number_key(raw_number, region)
        if not phone:
            raise ContactInvalid({"phone": "missing_number"})
        contact = Contact(phone=phone)
        session.add(contact)
    _apply(contact, data)
    session.flush()
    if call is not None and call.customer_number == contact.phone:
        call.contact_id = contact.id
        call.is_vip = contact.is_vip
    return contact, created


def update_contact(contact: Contact, data: ContactInput) -> None:
    """Change the contact's fields, or raise ContactInvalid and change nothing."""
    validate(data)
    _apply(contact, data)


def _apply(contact: Contact, data: ContactInput) -> None:
    contact.name = data.name
    contact.email = data.email
    contact.address = data.address
    contact.notes = data.notes
    contact.is_vip = data.is_vip


# An inbound call has no wrap-up state: its after-call work (the contact, the XCM report) is
# the time until the agent's next call, at most this long.
AFTER_CALL = timedelta(minutes=10)


def may_see_number(session: Session, user: User, number: str, at: datetime | None = None) -> bool:
    """Supervisors see every number; an agent only the number of the call they are on now.

    "On now" is the manual's rule (the agent on a call sees that caller's history and notes):
    a call of theirs with that number that has not ended, the call they are wrapping up, or
    their latest call when it ended less than AFTER_CALL ago. Having called a number once
    opens nothing afterwards.
    """
    if user.has_role(Role.SUPERVISOR, Role.MANAGER):
        return True
    if not number:
        return False
    live = exists().where(
        Call.customer_number == number, Call.agent_id == user.id, Call.state != CallState.ENDED
    )
    wrapping_up = (
        select(AgentSession.id)
        .join(Call, Call.id == AgentSession.current_call_id)
        .where(
            AgentSession.user_id == user.id,
            AgentSession.logout_at.is_(None),
            AgentSession.state == AgentState.WRAPUP,
            Call.customer_number == number,
        )
        .exists()
    )
    if session.scalar(select(live | wrapping_up)):
        return True
    latest = session.execute(
        select(Call.customer_number, Call.ended_at)
        .where(Call.agent_id == user.id)
        .order_by(Call.id.desc())
        .limit(1)
    ).first()
    return (
        latest is not None
        and latest.customer_number == number
        and latest.ended_at is not None
        and latest.ended_at >= (at or utcnow()) - AFTER_CALL
    )


def record_view(session: Session, user: User, number: str, what: str, **detail: Any) -> None:
    """Log that ``user`` read the history, contact or notes of ``number`` (caller commits)."""
    audit.record(session, "caller.viewed", actor_id=user.id, number=number, what=what, **detail)


def may_see_call(session: Session, user: User, call: Call | None) -> bool:
    """The user's own call, or a call with a number they may see."""
    return call is not None and (
        call.agent_id == user.id or may_see_number(session, user, call.customer_number)
    )


def contact_json(contact: Contact | None) -> dict[str, Any] | None:
    """The contact as the screens and the API show it."""
    if contact is None:
        return None
    return {
        "id": contact.id,
        "phone": contact.phone,
        "name": contact.name,
        "email": contact.email,
        "address": contact.address,
        "notes": contact.notes,
        "is_vip": contact.is_vip,
    }
