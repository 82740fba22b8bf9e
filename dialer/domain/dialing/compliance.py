"""Who may be called, and when: calling hours in the lead's time zone, the blacklist, attempt caps.

The same rules serve three callers: the atomic claim (as SQL filters), the
call start and the originate job (as a re-check of one lead right before the
PBX dials), and the agent's "why is nothing dialable" answer.
"""

from __future__ import annotations

import functools
import json
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, ColumnElement, Integer, String, bindparam, exists, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from dialer.models import BlacklistNumber, Campaign, CampaignStatus, Lead, LeadStatus

# Reason codes; the web layer turns each into a sentence in the agent's language.
CAMPAIGN_NOT_RUNNING = "campaign_not_running"
NO_LEADS_LEFT = "no_leads_left"
OUTSIDE_CALLING_HOURS = "outside_calling_hours"
NEXT_RETRY_LATER = "next_retry_later"
ALL_LEADS_HELD = "all_leads_held"
BLACKLISTED = "blacklisted"
MAX_ATTEMPTS_REACHED = "max_attempts_reached"


@dataclass(frozen=True)
class CallingHours:
    """The campaign's calling window: ISO weekdays, and a start and end local time."""

    days: frozenset[int]
    start: time
    end: time

    @classmethod
    def of(cls, campaign: Campaign) -> CallingHours:
        """The calling hours a campaign declares."""
        days = frozenset(int(ch) for ch in campaign.call_days if ch.isdigit() and ch in "1234567")
        return cls(days, campaign.call_start, campaign.call_end)

    def is_open_at(self, local: datetime) -> bool:
        """True when the local wall-clock time falls in the window (end excluded).

        A window whose start equals its end is the whole day.
        """
        clock = local.time().replace(tzinfo=None)
        if self.start == self.end:
            return local.isoweekday() in self.days
        if self.start < self.end:
            return local.isoweekday() in self.days and self.start <= clock < self.end
        # An overnight window belongs to the day it starts on.
        if clock >= self.start:
            return local.isoweekday() in self.days
        yesterday = (local.date() - timedelta(days=1)).isoweekday()
        return clock < self.end and yesterday in self.days

    def next_opening(self, zone: ZoneInfo, now: datetime) -> datetime | None:
        """When the window next opens in ``zone`` (``now`` when open); None when it never does."""
        local = now.astimezone(zone)
        if self.is_open_at(local):
            return now
        for offset in range(8):
            day: date = local.date() + timedelta(days=offset)
            if day.isoweekday() not in self.days:
                continue
            opening = datetime.combine(day, self.start, tzinfo=zone)
            if opening > local:
                return opening
        return None


@dataclass(frozen=True)
class Refusal:
    """Why a lead (or a number) may not be dialled now; ``until`` when it is a matter of time."""

    code: str
    until: datetime | None = None
    zone: str | None = None


def zone_named(name: str | None) -> ZoneInfo | None:
    """The time zone of that IANA name; None for an unknown name (such a lead is never dialled)."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


@functools.cache
def _all_zone_names() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


@functools.lru_cache(maxsize=256)
def _open_zones_at_minute(hours: CallingHours, minute: datetime) -> tuple[str, ...]:
    return tuple(
        name for name in _all_zone_names() if hours.is_open_at(minute.astimezone(ZoneInfo(name)))
    )


def open_zones(hours: CallingHours, now: datetime) -> tuple[str, ...]:
    """Every IANA zone whose local time is inside the calling hours at ``now``."""
    if hours.start.second or hours.end.second or hours.start.microsecond:
        return _open_zones_at_minute.__wrapped__(hours, now)
    # Windows and zone offsets change on whole minutes, so one answer serves the minute.
    return _open_zones_at_minute(hours, now.replace(second=0, microsecond=0))


def lead_zone_expression(campaign: Campaign | None = None) -> ColumnElement[str]:
    """The zone a lead is called in: its own, else the campaign's (bound as ``b_campaign_tz``)."""
    fallback = bindparam("b_campaign_tz", campaign.timezone if campaign else None, type_=String())
    return func.coalesce(Lead.timezone, fallback)


def not_blacklisted(phone_column: ColumnElement[str]) -> ColumnElement[bool]:
    """SQL: the number is not on the blacklist."""
    return ~exists().where(BlacklistNumber.phone == phone_column)


class zone_in(FunctionElement[bool]):  # noqa: N801 - an SQL function, named like one
    """SQL: the zone expression is one of a list of names, sent as ONE JSON text value.

    Hundreds of zones may be open at once; one text parameter keeps the
    statement (and the driver's work on it) the same size whatever the list.
    """

    type = Boolean()
    inherit_cache = True
    name = "zone_in"


@compiles(zone_in)
def _zone_in_json_each(element: zone_in, compiler: Any, **kw: Any) -> str:
    zone, names = (compiler.process(c, **kw) for c in element.clauses)
    return f"{zone} IN (SELECT value FROM json_each({names}))"  # noqa: S608 - bound values


@compiles(zone_in, "postgresql")
def _zone_in_jsonb(element: zone_in, compiler: Any, **kw: Any) -> str:
    zone, names = (compiler.process(c, **kw) for c in element.clauses)
    return f"{zone} IN (SELECT jsonb_array_elements_text(CAST({names} AS JSONB)))"  # noqa: S608


@functools.lru_cache(maxsize=64)
def _as_json(names: tuple[str, ...]) -> str:
    return json.dumps(names)


def in_zones(zone: ColumnElement[str], names: tuple[str, ...] | list[str]) -> ColumnElement[bool]:
    """SQL: ``zone`` is one of ``names``."""
    return zone_in(zone, bindparam(None, _as_json(tuple(names)), type_=String()))  # type: ignore[return-value]


def dialable_filters() -> list[ColumnElement[bool]]:
    """Every rule of the claim as SQL on ``leads``, but the status and retry time.

    Bound values: ``b_campaign_id``, ``b_max_attempts``, ``b_campaign_tz`` and
    ``b_open_zones``; :func:`dialable_values` gives them for a campaign and a time.
    """
    return [
        Lead.campaign_id == bindparam("b_campaign_id", type_=Integer()),
        Lead.attempts < bindparam("b_max_attempts", type_=Integer()),
        zone_in(lead_zone_expression(), bindparam("b_open_zones", type_=String())),
        not_blacklisted(Lead.phone),
    ]


def dialable_values(campaign: Campaign, now: datetime) -> dict[str, Any]:
    """The bound values of :func:`dialable_filters` for this campaign at ``now``."""
    return {
        "b_campaign_id": campaign.id,
        "b_max_attempts": campaign.max_attempts,
        "b_campaign_tz": campaign.timezone,
        "b_open_zones": _as_json(open_zones(CallingHours.of(campaign), now)),
    }


def is_e164_blacklisted(session: Session, phone: str) -> bool:
    """True when the number (E.164) is on the blacklist."""
    return bool(session.scalar(select(exists().where(BlacklistNumber.phone == phone))))


def check_lead(session: Session, lead: Lead, campaign: Campaign, now: datetime) -> Refusal | None:
    """Why this lead may not be dialled right now, or None when it may."""
    if campaign.status != CampaignStatus.RUNNING:
        return Refusal(CAMPAIGN_NOT_RUNNING)
    if lead.attempts >= campaign.max_attempts:
        return Refusal(MAX_ATTEMPTS_REACHED)
    if is_e164_blacklisted(session, lead.phone):
        return Refusal(BLACKLISTED)
    zone_name = lead.timezone or campaign.timezone
    return check_hours(CallingHours.of(campaign), zone_name, now)


def check_hours(hours: CallingHours, zone_name: str, now: datetime) -> Refusal | None:
    """A refusal when ``now`` is outside the calling hours in that zone."""
    zone = zone_named(zone_name)
    if zone is None:
        return Refusal(OUTSIDE_CALLING_HOURS, None, zone_name)
    if hours.is_open_at(now.astimezone(zone)):
        return None
    return Refusal(OUTSIDE_CALLING_HOURS, hours.next_opening(zone, now), zone_name)


def why_nothing_dialable(session: Session, campaign: Campaign, now: datetime) -> Refusal:
    """The reason a claim found no lead, most useful first."""
    if campaign.status != CampaignStatus.RUNNING:
        return Refusal(CAMPAIGN_NOT_RUNNING)
    pending = select(Lead).where(
        Lead.campaign_id == campaign.id,
        Lead.status.in_([LeadStatus.NEW, LeadStatus.RETRY]),
        Lead.attempts < campaign.max_attempts,
        not_blacklisted(Lead.phone),
    )
    zones = set(
        session.scalars(pending.with_only_columns(lead_zone_expression(campaign)).distinct())
    )
    if not zones:
        held = session.scalar(
            select(func.count())
            .select_from(Lead)
            .where(Lead.campaign_id == campaign.id, Lead.status == LeadStatus.CLAIMED)
        )
        return Refusal(ALL_LEADS_HELD) if held else Refusal(NO_LEADS_LEFT)
    hours = CallingHours.of(campaign)
    open_now = [z for z in zones if check_hours(hours, z, now) is None]
    if not open_now:
        return _earliest_opening(hours, zones, now)
    in_open_zones = pending.where(in_zones(lead_zone_expression(campaign), open_now))
    next_due = session.scalar(in_open_zones.with_only_columns(func.min(Lead.next_call_at)))
    is_any_due = session.scalar(
        select(
            in_open_zones.where((Lead.next_call_at.is_(None)) | (Lead.next_call_at <= now)).exists()
        )
    )
    if not is_any_due and next_due is not None:
        return Refusal(NEXT_RETRY_LATER, next_due, campaign.timezone)
    # Dialable leads exist but another agent's claim holds them at this instant.
    return Refusal(ALL_LEADS_HELD)


def _earliest_opening(hours: CallingHours, zones: set[str], now: datetime) -> Refusal:
    openings = [
        (refusal.until, zone)
        for zone in zones
        if (refusal := check_hours(hours, zone, now)) and refusal.until is not None
    ]
    if not openings:
        return Refusal(OUTSIDE_CALLING_HOURS)
    until, zone = min(openings)
    return Refusal(OUTSIDE_CALLING_HOURS, until, zone)
