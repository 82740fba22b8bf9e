"""A manager's hand on one lead: another try, or out of the campaign (kept, and audited)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from dialer.domain import audit
from dialer.domain.errors import DomainError
from dialer.models import Lead, LeadStatus

LEAD_HELD = "lead_held"
LEAD_UNKNOWN = "lead_unknown"


class LeadError(DomainError):
    """The lead cannot be changed now."""


def find_lead(session: Session, campaign_id: int, lead_id: int) -> Lead:
    """The campaign's lead; LeadError when it is not one of the campaign's."""
    lead = session.get(Lead, lead_id)
    if lead is None or lead.campaign_id != campaign_id:
        raise LeadError(LEAD_UNKNOWN, lead=lead_id)
    return lead


def reset_lead(session: Session, lead: Lead, *, actor_id: int | None) -> Lead:
    """The lead is callable again from its first attempt; its earlier calls stay in history."""
    _refuse_held(lead)
    before = _snapshot(lead)
    lead.status = LeadStatus.NEW
    lead.attempts = 0
    lead.next_call_at = None
    audit.record(session, "lead.reset", actor_id=actor_id, target=lead, before=before)
    return lead


def remove_lead(session: Session, lead: Lead, *, actor_id: int | None) -> Lead:
    """The lead is never called again; the row, its calls and answers are kept."""
    _refuse_held(lead)
    before = _snapshot(lead)
    lead.status = LeadStatus.REMOVED
    lead.next_call_at = None
    audit.record(session, "lead.remove", actor_id=actor_id, target=lead, before=before)
    return lead


def _refuse_held(lead: Lead) -> None:
    # An agent holding the lead may be on the call right now: changing it under them would
    # lose the call's outcome.
    if lead.status == LeadStatus.CLAIMED:
        raise LeadError(LEAD_HELD, phone=lead.phone)


def _snapshot(lead: Lead) -> dict[str, object]:
    return {
        "campaign_id": lead.campaign_id,
        "phone": lead.phone,
        "status": lead.status,
        "attempts": lead.attempts,
        "next_call_at": lead.next_call_at.isoformat() if lead.next_call_at else None,
    }
