"""Linking a call to the helpdesk (C1): one choice per call, then the work at the helpdesk.

The agent's choice is saved at once (the call row locked, so two clicks are served
one after the other); the helpdesk is reached later by a job, which calls
:func:`perform_link` until the link is made, or fails for a reason that will not
change. The call, its survey and its notes never depend on the helpdesk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dialer.domain.contacts.directory import number_key
from dialer.domain.crm import notes
from dialer.domain.crm.port import NOT_FOUND, CrmConnector, CrmContact, CrmError, CrmTicket
from dialer.domain.errors import DomainError
from dialer.domain.phones import national_variants
from dialer.models import Call, CrmLink

CHOICES = ("latest", "new", "none")
KEY_LIMIT = 80
UNKNOWN_NAME = "unknown"

# Refusal codes (the API answers each with a sentence).
ALREADY_LINKED = "crm_already_linked"
BAD_CHOICE = "crm_bad_choice"
BAD_KEY = "crm_bad_idempotency_key"
KEY_REUSED = "crm_idempotency_key_reused"
UNKNOWN_CALL = "crm_unknown_call"

# Why a link failed for good (stored on the link, shown to the agent and the admin).
NO_TICKET = "no_ticket"
TICKET_GONE = "ticket_gone"


@dataclass(frozen=True)
class Chosen:
    link: CrmLink
    is_new: bool  # False when this key (or this same choice) was already saved


def number_shapes(number: str, region: str) -> list[str]:
    """The shapes a person may have typed the number in a helpdesk: E.164, with 0, digits."""
    key = number_key(number, region)
    try:
        variants = national_variants(key)
    except ValueError:
        return [key] if key else []
    return variants[:2] + variants[3:4]  # +84..., 84..., 0...


def choose_link(
    session: Session,
    call_id: int,
    agent_id: int,
    choice: str,
    idempotency_key: str,
    *,
    provider: str,
) -> Chosen:
    """Save the agent's one choice for the call; the same choice again is a replay, not an error.

    A different choice once one is saved is refused with ALREADY_LINKED (409).
    """
    key = (idempotency_key or "").strip()
    if not key or len(key) > KEY_LIMIT:
        raise DomainError(BAD_KEY)
    if choice not in CHOICES:
        raise DomainError(BAD_CHOICE, fields={"choice": "latest, new or none"})
    call = _locked_call(session, call_id)
    if call is None or call.agent_id != agent_id:
        raise DomainError(UNKNOWN_CALL)
    by_key = session.scalar(select(CrmLink).where(CrmLink.idempotency_key == key))
    if by_key is not None and by_key.call_id != call.id:
        raise DomainError(KEY_REUSED)
    existing = by_key or link_for_call(session, call.id)
    if existing is not None:
        if existing.choice != choice:
            raise DomainError(ALREADY_LINKED, choice=existing.choice)
        return Chosen(existing, False)
    link = CrmLink(
        call_id=call.id,
        agent_id=agent_id,
        choice=choice,
        idempotency_key=key,
        provider=provider,
        status="none" if choice == "none" else "pending",
    )
    session.add(link)
    session.flush()
    return Chosen(link, True)


def link_for_call(session: Session, call_id: int) -> CrmLink | None:
    """The call's link, if the agent has chosen."""
    return session.scalar(select(CrmLink).where(CrmLink.call_id == call_id))


@dataclass(frozen=True)
class Attempt:
    """What one try at the helpdesk came to."""

    status: str  # linked | failed | pending | none
    error: CrmError | None = None

    @property
    def should_retry(self) -> bool:
        """True when the helpdesk did not answer (timeout, 429, 5xx) and may later."""
        return self.status == "pending"


def perform_link(
    session: Session,
    link_id: int,
    connector: CrmConnector,
    context: notes.NoteContext,
    now: datetime,
    *,
    region: str,
) -> Attempt:
    """Make the link at the helpdesk once: find or create the contact and ticket, add the note.

    Each step's result is kept on the link as soon as it exists, so a retry after a
    timeout goes on from there and never creates a second contact or ticket.
    """
    link = session.get(CrmLink, link_id)
    if link is None or link.status != "pending":
        return Attempt(link.status if link is not None else "none")
    call = session.get(Call, link.call_id)
    link.attempts += 1
    try:
        ticket = _ticket_for(session, link, call, connector, region)
        if ticket is None:
            return _failed(link, NO_TICKET, now)
        lines = notes.note_lines(session, call, context)
        body = notes.note_text(lines) if connector.provider == "zendesk" else notes.note_html(lines)
        connector.add_private_note(link.ticket_ref, body)
    except CrmError as error:
        if error.code == NOT_FOUND and link.ticket_ref:
            return _failed(link, TICKET_GONE, now, error)
        if error.is_transient:
            link.last_error = error.code
            return Attempt("pending", error)
        return _failed(link, error.code, now, error)
    link.status, link.last_error, link.done_at = "linked", "", now
    return Attempt("linked")


def give_up(session: Session, link_id: int, now: datetime) -> None:
    """Mark a link still pending after its last retry as failed, keeping its last reason."""
    link = session.get(CrmLink, link_id)
    if link is not None and link.status == "pending":
        link.status, link.done_at = "failed", now
        link.last_error = link.last_error or "gave_up"


def _ticket_for(
    session: Session, link: CrmLink, call: Call, connector: CrmConnector, region: str
) -> CrmTicket | None:
    if link.ticket_ref:
        return CrmTicket(ref=link.ticket_ref, subject="", status="", url=link.ticket_url)
    contact = _contact_for(link, call, connector, region)
    if link.choice == "latest":
        tickets = connector.latest_tickets(contact, 1) if contact is not None else []
        ticket = tickets[0] if tickets else None
    else:
        if contact is None:
            contact = connector.create_contact(
                UNKNOWN_NAME, number_key(call.customer_number, region)
            )
            link.contact_ref = contact.ref
            session.flush()
        ticket = connector.create_ticket(
            contact, notes.ticket_subject(call), notes.ticket_subject(call)
        )
    if ticket is not None:
        # The built-in CRM's "ticket" is the link itself: it has no ref of its own.
        link.ticket_ref = ticket.ref or f"call-{call.id}"
        link.ticket_url = ticket.url
        session.flush()
    return ticket


def _contact_for(
    link: CrmLink, call: Call, connector: CrmConnector, region: str
) -> CrmContact | None:
    if link.contact_ref:
        return CrmContact(ref=link.contact_ref, name="", phone=call.customer_number)
    found = connector.find_contacts(number_shapes(call.customer_number, region))
    if not found:
        return None
    link.contact_ref = found[0].ref
    return found[0]


def _failed(link: CrmLink, reason: str, now: datetime, error: CrmError | None = None) -> Attempt:
    link.status, link.done_at = "failed", now
    link.last_error = reason if error is None else f"{reason}: {error.detail}"[:500].rstrip(": ")
    return Attempt("failed", error)


def _locked_call(session: Session, call_id: int) -> Call | None:
    # The same lock as the XCM report's: PostgreSQL locks the row, SQLite takes its write lock.
    session.execute(
        update(Call)
        .where(Call.id == call_id)
        .values(state=Call.state)
        .execution_options(synchronize_session=False)
    )
    return session.get(Call, call_id, populate_existing=True)


NO_CONTACT = "crm_no_contact"
NAME_REQUIRED = "crm_name_required"
NAME_LIMIT = 160


def rename_contact(
    session: Session, call_id: int, agent_id: int, name: str, connector: CrmConnector
) -> CrmContact:
    """Rename the contact the call's link found or created (C2: 'unknown' gets a real name)."""
    clean = " ".join((name or "").split())
    if not clean or len(clean) > NAME_LIMIT:
        raise DomainError(NAME_REQUIRED, fields={"name": "1 to 160 characters"})
    call = session.get(Call, call_id)
    if call is None or call.agent_id != agent_id:
        raise DomainError(UNKNOWN_CALL)
    link = link_for_call(session, call_id)
    if link is None or not link.contact_ref:
        raise DomainError(NO_CONTACT)
    try:
        return connector.rename_contact(link.contact_ref, clean)
    except CrmError as error:
        raise DomainError(error.code, error.detail) from None
