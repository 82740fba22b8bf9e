"""What the desktop's helpdesk panel shows for a call (C1): contact, tickets, the link made.

The lookup never raises: a helpdesk that does not answer within the connector's
short timeout, or refuses, becomes a ``problem`` code the panel puts in words.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from dialer.domain.crm import settings
from dialer.domain.crm.generic import GenericConnector
from dialer.domain.crm.links import link_for_call, number_shapes
from dialer.domain.crm.port import CrmConnector, CrmContact, CrmError, CrmTicket
from dialer.domain.errors import DomainError
from dialer.models import Call, CrmLink

TICKETS_SHOWN = 5


def call_panel(
    session: Session, call: Call, connector: CrmConnector, *, region: str
) -> dict[str, Any]:
    """The panel's data: provider, contact (or None), how many matched, tickets, link, problem."""
    panel: dict[str, Any] = {
        "call_id": call.id,
        "provider": connector.provider,
        "number": call.customer_number,
        "contact": None,
        "matches": 0,
        "tickets": [],
        "problem": None,
        "link": link_json(link_for_call(session, call.id)),
        "pages": {},
    }
    if isinstance(connector, GenericConnector):
        panel["pages"] = connector.page_urls(
            number=call.customer_number,
            call_id=call.id,
            call_uid=call.call_uid,
            agent=call.agent.username if call.agent is not None else "",
            direction=call.direction,
        )
    try:
        found = connector.find_contacts(number_shapes(call.customer_number, region))
        panel["matches"] = len(found)
        if found:
            panel["contact"] = contact_json(found[0])
            panel["tickets"] = [
                ticket_json(t) for t in connector.latest_tickets(found[0], TICKETS_SHOWN)
            ]
    except CrmError as error:
        panel["problem"] = error.code
    return panel


def contact_json(contact: CrmContact) -> dict[str, Any]:
    """A helpdesk contact as the panel shows it."""
    return {
        "ref": contact.ref,
        "name": contact.name,
        "phone": contact.phone,
        "email": contact.email,
        "url": contact.url,
    }


def ticket_json(ticket: CrmTicket) -> dict[str, Any]:
    """A ticket line of the panel: subject, status, last update, its page."""
    return {
        "ref": ticket.ref,
        "subject": ticket.subject,
        "status": ticket.status,
        "updated_at": ticket.updated_at.isoformat() if ticket.updated_at else None,
        "url": ticket.url,
    }


def link_json(link: CrmLink | None) -> dict[str, Any] | None:
    """The agent's choice and what became of it (pending, linked, failed with why, none)."""
    if link is None:
        return None
    return {
        "choice": link.choice,
        "status": link.status,
        "ticket_ref": link.ticket_ref,
        "ticket_url": link.ticket_url,
        "contact_ref": link.contact_ref,
        "attempts": link.attempts,
        "error": link.last_error or None,
    }


def lookup(
    session: Session, call: Call, key: str | None, *, region: str, timeout_s: float
) -> dict[str, Any]:
    """The panel of the call from the configured helpdesk, within ``timeout_s``; never raises."""
    row = settings.load(session)
    try:
        connector = settings.connector_for(session, key, timeout_s=timeout_s)
    except (DomainError, CrmError) as error:  # unreadable credentials or URL: say so
        return {
            "call_id": call.id,
            "provider": row.provider,
            "number": call.customer_number,
            "contact": None,
            "matches": 0,
            "tickets": [],
            "problem": error.code,
            "link": link_json(link_for_call(session, call.id)),
            "pages": {},
            "popup": row.popup,
        }
    try:
        return call_panel(session, call, connector, region=region) | {"popup": row.popup}
    finally:
        settings.release(connector)
