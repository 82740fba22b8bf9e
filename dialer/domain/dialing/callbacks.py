"""Callbacks: the lead comes back at the time agreed with the customer, to that agent first.

The agent books a date and time in the lead's time zone (the lead's own, else
the campaign's), inside the campaign's calling hours; a time outside them is
refused with the next time that is allowed. The booked lead waits with status
CALLBACK, which the ordinary claim never picks: once due, Get Lead gives it
first to its owner, or to any agent when it was booked for anyone, or when its
owner is signed out and ``grace`` has passed since it came due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from dialer.domain.dialing import compliance
from dialer.domain.dialing.compliance import CallingHours, zone_named
from dialer.domain.errors import DomainError
from dialer.models import AgentSession, Call, Callback, Campaign, Lead, LeadStatus

CALLBACK_TIME_REQUIRED = "callback_time_required"
CALLBACK_IN_THE_PAST = "callback_in_the_past"
CALLBACK_OUTSIDE_HOURS = "callback_outside_hours"
CALLBACK_UNKNOWN_ZONE = "callback_unknown_zone"

# How long a due callback waits for its signed-out owner before any agent may take it.
GRACE = timedelta(minutes=15)


class CallbackError(DomainError):
    """A callback refused; ``code`` is stable, ``until``/``zone`` say when it would be allowed."""


@dataclass(frozen=True)
class CallbackRequest:
    """What the agent agreed with the customer: a wall-clock time, for this agent or anyone."""

    local_at: datetime  # naive: read in the lead's time zone
    is_for_me: bool


def lead_zone(lead: Lead, campaign: Campaign) -> ZoneInfo | None:
    """The zone the lead is called in: its own, else the campaign's."""
    return zone_named(lead.timezone or campaign.timezone)


def due_time(lead: Lead, campaign: Campaign, request: CallbackRequest, now: datetime) -> datetime:
    """The booked time in UTC; refused when past or outside the calling hours (with the next)."""
    zone = lead_zone(lead, campaign)
    if zone is None:
        raise CallbackError(CALLBACK_UNKNOWN_ZONE)
    due = request.local_at.replace(tzinfo=zone)
    if due <= now:
        raise CallbackError(CALLBACK_IN_THE_PAST, fields={"at": CALLBACK_IN_THE_PAST})
    hours = CallingHours.of(campaign)
    if not hours.is_open_at(due):
        allowed = hours.next_opening(zone, due)
        raise CallbackError(
            CALLBACK_OUTSIDE_HOURS,
            fields={"at": CALLBACK_OUTSIDE_HOURS},
            until=allowed,
            zone=zone.key,
        )
    return due.astimezone(now.tzinfo)


def schedule(
    session: Session,
    lead: Lead,
    campaign: Campaign,
    call: Call | None,
    user_id: int,
    request: CallbackRequest | None,
    now: datetime,
) -> Callback:
    """Book the lead's callback (replacing any earlier one); the lead waits until it is due."""
    if request is None:
        raise CallbackError(CALLBACK_TIME_REQUIRED, fields={"at": CALLBACK_TIME_REQUIRED})
    due = due_time(lead, campaign, request, now)
    session.execute(
        update(Callback)
        .where(Callback.lead_id == lead.id, Callback.is_done.is_(False))
        .values(is_done=True)
        .execution_options(synchronize_session=False)
    )
    booked = Callback(
        lead_id=lead.id,
        campaign_id=campaign.id,
        call_id=call.id if call is not None else None,
        booked_by_id=user_id,
        owner_id=user_id if request.is_for_me else None,
        due_at=due,
        created_at=now,
    )
    session.add(booked)
    lead.status = LeadStatus.CALLBACK
    lead.claimed_by_id, lead.claimed_at = None, None
    lead.next_call_at = due
    session.flush()
    return booked


def _available_to(user_id: int, now: datetime, grace: timedelta):  # noqa: ANN202 - SQL clause
    owner_signed_in = (
        select(AgentSession.id)
        .where(AgentSession.user_id == Callback.owner_id, AgentSession.logout_at.is_(None))
        .exists()
    )
    return or_(
        Callback.owner_id.is_(None),
        Callback.owner_id == user_id,
        and_(Callback.due_at <= now - grace, ~owner_signed_in),
    )


def claim_due_callback(
    session: Session, user_id: int, campaign: Campaign, now: datetime, *, grace: timedelta = GRACE
) -> Lead | None:
    """Claim the campaign's earliest due callback this agent may take, if any (before new leads)."""
    candidates = session.scalars(
        select(Callback)
        .join(Lead, Lead.id == Callback.lead_id)
        .where(
            Callback.campaign_id == campaign.id,
            Callback.is_done.is_(False),
            Callback.due_at <= now,
            Lead.status == LeadStatus.CALLBACK,
            _available_to(user_id, now, grace),
        )
        .order_by(Callback.due_at, Callback.id)
        .limit(5)
        .with_for_update(skip_locked=True, of=Callback)
    ).all()
    for booked in candidates:
        lead = session.get(Lead, booked.lead_id, with_for_update=True, populate_existing=True)
        if lead is None or lead.status != LeadStatus.CALLBACK:
            continue
        if compliance.check_lead(session, lead, campaign, now) is not None:
            continue  # e.g. blacklisted since: it waits, and the manager sees it
        booked.is_done = True
        lead.status = LeadStatus.CLAIMED
        lead.claimed_by_id, lead.claimed_at = user_id, now
        return lead
    return None


def due_today(session: Session, user_id: int, now: datetime, zone: ZoneInfo) -> list[Callback]:
    """The agent's callbacks still to make that are due today (in ``zone``), earliest first."""
    local = now.astimezone(zone)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=1)
    return list(
        session.scalars(
            select(Callback)
            .where(
                Callback.owner_id == user_id,
                Callback.is_done.is_(False),
                Callback.due_at >= start,
                Callback.due_at < end,
            )
            .order_by(Callback.due_at, Callback.id)
        )
    )
