"""A campaign's leads as the manager searches them: status, attempts, outcome, holder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from dialer.domain.phones import NormalisedPhone, normalise_phone
from dialer.domain.reports.filters import STATUS_UNKNOWN, ReportError
from dialer.models import Campaign, Lead, LeadStatus, User

PAGE_SIZE = 50


@dataclass(frozen=True)
class LeadRow:
    lead_id: int
    phone: str
    name: str
    status: str
    attempts: int
    last_status: str
    next_call_at: datetime | None
    holder: str


@dataclass(frozen=True)
class LeadPage:
    rows: list[LeadRow]
    next_after: int | None  # the id to continue after; None on the last page


def lead_status(text: str | None) -> str | None:
    """A lead status as typed; ReportError naming it when it is not one."""
    text = (text or "").strip().lower()
    if not text:
        return None
    if text not in {s.value for s in LeadStatus}:
        raise ReportError(STATUS_UNKNOWN, status=text)
    return text


def campaign_leads(
    session: Session,
    campaign: Campaign,
    *,
    search: str = "",
    status: str | None = None,
    after: int = 0,
    size: int = PAGE_SIZE,
    region: str = "VN",
) -> LeadPage:
    """One page of the campaign's leads in import order, matching the search and status."""
    query = (
        select(Lead, User.display_name)
        .outerjoin(User, User.id == Lead.claimed_by_id)
        .where(Lead.campaign_id == campaign.id, Lead.id > after)
        .order_by(Lead.id)
        .limit(size + 1)
    )
    if status:
        query = query.where(Lead.status == status)
    condition = _search(search, region)
    if condition is not None:
        query = query.where(condition)
    found = session.execute(query).all()
    rows = [_row(lead, holder) for lead, holder in found[:size]]
    return LeadPage(rows, rows[-1].lead_id if len(found) > size else None)


def _search(text: str, region: str) -> Any:
    """A number in any shape the user types, or a part of a name."""
    text = text.strip()
    if not text:
        return None
    number = normalise_phone(text, region)
    if isinstance(number, NormalisedPhone):
        return Lead.phone == number.e164
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= 3 and len(digits) >= len(text.replace(" ", "")) - 3:
        # Part of a number: 0912 345 matches the stored +84912345...
        return Lead.phone.contains(digits.lstrip("0"), autoescape=True)
    full = func.lower(Lead.last_name + " " + Lead.first_name)
    pattern = text.lower()
    return or_(full.contains(pattern, autoescape=True), Lead.phone_raw == text)


def _row(lead: Lead, holder: str | None) -> LeadRow:
    return LeadRow(
        lead_id=lead.id,
        phone=lead.phone,
        name=lead.full_name,
        status=lead.status,
        attempts=lead.attempts,
        last_status=lead.last_status or "",
        next_call_at=lead.next_call_at,
        holder=holder or "",
    )
