"""The helpdesk's in-app pop-up (C3): the helpdesk itself opens the caller in the agent's screen.

Zendesk's Talk Partner Edition does it: when a call rings or connects, the
caller's profile opens in the agent's Zendesk tab, and once the agent's link
choice has found or made the ticket, that ticket opens. Zendesk knows the agent
by their Zendesk user id, which the connector finds from the email an admin
gave the agent's account (``users.email``). Nothing here runs on the agent's
path: the ``crm`` jobs call it, and a helpdesk that does not answer costs the
agent only the pop-up.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from dialer.domain.crm import settings
from dialer.domain.crm.links import number_shapes
from dialer.domain.crm.port import CrmConnector
from dialer.models import Call, CallState, CrmLink, User

IN_APP = "in-app"


def is_wanted(session: Session) -> bool:
    """True when the configured helpdesk opens calls in the agent's own screen."""
    row = settings.load(session)
    return row.provider == "zendesk" and row.popup == IN_APP


def show_caller(
    session: Session,
    call_id: int,
    connector: CrmConnector,
    *,
    region: str,
    contact_ref: str | None = None,
) -> str:
    """Open the caller's profile in the agent's screen while the call is up; what came of it.

    ``contact_ref`` is the contact the desktop's panel already found; without it the
    caller is looked up by number here.
    """
    call = session.get(Call, call_id)
    if call is None or call.agent_id is None:
        return "no agent"
    if call.state == CallState.ENDED:
        return "call over"
    email = _agent_email(session, call.agent_id)
    if not email:
        return "agent has no email"
    if not contact_ref:
        found = connector.find_contacts(number_shapes(call.customer_number, region))
        if not found:
            return "unknown caller"
        contact_ref = found[0].ref
    return "shown" if connector.display_user(email, contact_ref) else "not shown"


def show_linked_ticket(session: Session, link_id: int, connector: CrmConnector) -> str:
    """Open the ticket the agent's link choice found or made; what came of it."""
    link = session.get(CrmLink, link_id)
    if link is None or link.status != "linked" or not link.ticket_ref:
        return "no ticket"
    email = _agent_email(session, link.agent_id)
    if not email:
        return "agent has no email"
    return "shown" if connector.display_ticket(email, link.ticket_ref) else "not shown"


def _agent_email(session: Session, user_id: int) -> str:
    user = session.get(User, user_id)
    return user.email if user is not None else ""
