"""What the agent's screen shows of a caller: number, name, VIP flag, contact (I3)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.domain.contacts.directory import contact_json
from dialer.models import Call, Lead, LeadStatus


def caller_json(call: Call, caller_name: str = "", lead_name: str = "") -> dict[str, Any]:
    """What the agent's screen shows of the caller: number, name, VIP flag, contact.

    The name is the saved contact's, else that of a campaign's lead with this number,
    else the one the PBX presented.
    """
    contact = call.contact
    name = contact.name if contact and contact.name else lead_name
    return {
        "call_id": call.id,
        "direction": call.direction,
        "number": call.customer_number,
        "queue": call.queue or "",
        "name": name or _presented_name(caller_name),
        "is_vip": call.is_vip,
        "contact": contact_json(contact),
    }


def lead_name_of(session: Session, call: Call) -> str:
    """The name of the newest campaign lead with the caller's number, if any."""
    if not call.customer_number:
        return ""
    lead = session.scalar(
        select(Lead)
        .where(Lead.phone == call.customer_number, Lead.status != LeadStatus.REMOVED)
        .order_by(Lead.id.desc())
        .limit(1)
    )
    return lead.full_name if lead is not None else ""


def _presented_name(caller_name: str) -> str:
    # PBXs often put the number itself in the caller name: that is no name.
    return caller_name if any(ch.isalpha() for ch in caller_name) else ""
