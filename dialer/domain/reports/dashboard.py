"""The campaign dashboard (M5): progress, why nothing is dialable, outcomes, rates, calls per hour.

Lead figures, outcomes, surveys and the day's calls per hour are the campaign's
running totals (:mod:`dialer.domain.reports.counters`), kept by the transactions
that change leads, calls and surveys: a few rows read, however large the
campaign. Only "dialable now" is asked of the leads themselves, down
``ix_leads_dialable`` and capped. The result is plain values (:func:`dashboard_json`),
so one computed copy can be cached and shared by every viewer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialer.domain.contacts.history import day_bounds
from dialer.domain.dialing import compliance
from dialer.domain.reports import counters
from dialer.domain.reports.filters import CAMPAIGN_UNKNOWN, ReportError
from dialer.models import (
    AgentSession,
    Call,
    CallStatus,
    Campaign,
    CampaignAgent,
    CampaignStatus,
    Lead,
    LeadStatus,
    User,
)

DIALABLE_CAP = 10_000


@dataclass(frozen=True)
class LeadFigures:
    total: int
    dialled: int  # called at least once
    finished: int  # done: reached, or out of attempts
    held: int  # claimed by an agent right now
    attempts: int  # calls that used an attempt, over every lead


@dataclass(frozen=True)
class AgentNow:
    user_id: int
    agent_id: str
    name: str
    state: str
    since: datetime


def find_campaign(session: Session, campaign_id: int) -> Campaign:
    """The campaign; raises ReportError naming the id when there is none."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise ReportError(CAMPAIGN_UNKNOWN, campaign=campaign_id)
    return campaign


def campaign_dashboard(
    session: Session, campaign: Campaign, day: date, zone: ZoneInfo, now: datetime
) -> dict[str, Any]:
    """Every figure of the campaign's dashboard at ``now``, calls per hour of the local ``day``."""
    totals = counters.counters(session, campaign.id)  # one read for the running totals
    leads = _lead_figures(totals)
    outcomes = _outcomes(totals)
    ended = sum(outcomes.values())
    answered = outcomes.get(str(CallStatus.ANSWER), 0)
    surveys = totals.get(counters.SURVEYS, 0)
    dialable = dialable_now(session, campaign, now)
    why_not = None if dialable else compliance.why_nothing_dialable(session, campaign, now)
    return {
        "campaign_id": campaign.id,
        "name": campaign.name,
        "status": campaign.status,
        "timezone": campaign.timezone,
        "day": day.isoformat(),
        "computed_at": now.isoformat(),
        "leads": {
            "total": leads.total,
            "dialled": leads.dialled,
            "finished": leads.finished,
            "held": leads.held,
            "dialable_now": dialable,
            "is_dialable_capped": dialable >= DIALABLE_CAP,
        },
        "why_not": None
        if why_not is None
        else {
            "code": why_not.code,
            "until": why_not.until.isoformat() if why_not.until else None,
            "zone": why_not.zone,
        },
        "outcomes": outcomes,
        "calls_ended": ended,
        "answered": answered,
        "surveys": surveys,
        "contact_rate": _ratio(answered, ended),
        "completion_rate": _ratio(surveys, answered),
        "attempts_per_lead": _ratio(leads.attempts, leads.dialled),
        "calls_per_hour": calls_per_hour(session, campaign.id, day, zone),
        "agents": [_agent_json(agent) for agent in agents_working(session, campaign.id)],
    }


def lead_figures(session: Session, campaign_id: int) -> LeadFigures:
    """How many leads the campaign has, dialled, finished and held, and their attempts."""
    # The campaign's running totals (kept by the transactions that change leads): a
    # handful of rows, whatever the size of the campaign. Removed leads are not counted.
    totals = counters.counters(session, campaign_id)
    return _lead_figures(totals)


def _lead_figures(totals: dict[str, int]) -> LeadFigures:
    status = counters.LEAD_STATUS
    return LeadFigures(
        total=totals.get(counters.LEADS, 0),
        dialled=totals.get(counters.DIALLED, 0),
        finished=totals.get(status + LeadStatus.DONE, 0),
        held=totals.get(status + LeadStatus.CLAIMED, 0),
        attempts=totals.get(counters.ATTEMPTS, 0),
    )


def dialable_now(session: Session, campaign: Campaign, now: datetime) -> int:
    """How many leads Get Lead could give at ``now`` (the claim's own rules), up to DIALABLE_CAP.

    Counting stops at the cap: past it the exact figure tells a manager nothing more,
    and it would cost a pass over every pending lead of a large campaign.
    """
    if campaign.status != CampaignStatus.RUNNING:
        return 0
    values = compliance.dialable_values(campaign, now)
    if values["b_open_zones"] == "[]":
        return 0
    due = (Lead.next_call_at.is_(None)) | (Lead.next_call_at <= now)
    found = (
        select(Lead.id)
        .where(Lead.status.in_((LeadStatus.NEW, LeadStatus.RETRY)), due)
        .where(*compliance.dialable_filters())
        .limit(DIALABLE_CAP)
        .subquery()
    )
    return int(session.scalar(select(func.count()).select_from(found), values) or 0)


def outcome_counts(session: Session, campaign_id: int) -> dict[str, int]:
    """Ended calls of the campaign by outcome status, largest first."""
    return _outcomes(counters.counters(session, campaign_id))


def _outcomes(totals: dict[str, int]) -> dict[str, int]:
    prefix = counters.OUTCOME
    found = [
        (name.removeprefix(prefix), n) for name, n in totals.items() if name.startswith(prefix)
    ]
    return {status: n for status, n in sorted(found, key=lambda r: (-r[1], r[0])) if n}


def survey_count(session: Session, campaign_id: int) -> int:
    """Surveys saved for the campaign's calls."""
    return counters.counters(session, campaign_id).get(counters.SURVEYS, 0)


def calls_per_hour(session: Session, campaign_id: int, day: date, zone: ZoneInfo) -> list[int]:
    """Calls placed in each local hour of ``day`` (23 or 25 entries on a clock-change day)."""
    start, end = day_bounds(day, zone)
    hours = int((end - start).total_seconds()) // 3600  # a clock-change day keeps its length
    if start.astimezone(UTC).minute or start.astimezone(UTC).second:
        return _calls_per_hour_counted(session, campaign_id, start, hours)
    # A zone on whole hours: each local hour is one of the campaign's hourly totals.
    found = counters.hourly_calls(session, campaign_id, start, end)
    return [found.get(counters.hour_of(start + timedelta(hours=h)), 0) for h in range(hours)]


def _calls_per_hour_counted(
    session: Session, campaign_id: int, start: datetime, hours: int
) -> list[int]:
    # A zone off the hour (India, Nepal...): one range count per local hour, in one
    # statement, each a count down the (campaign_id, created_at) index.
    counts = [
        select(func.count())
        .select_from(Call)
        .where(
            Call.campaign_id == campaign_id,
            Call.created_at >= start + timedelta(hours=hour),
            Call.created_at < start + timedelta(hours=hour + 1),
        )
        .scalar_subquery()
        for hour in range(hours)
    ]
    return [int(count or 0) for count in session.execute(select(*counts)).one()]


def agents_working(session: Session, campaign_id: int) -> list[AgentNow]:
    """The campaign's agents signed in now, with their state and since when."""
    rows = session.execute(
        select(
            User.id, User.username, User.display_name, AgentSession.state, AgentSession.state_since
        )
        .join(CampaignAgent, CampaignAgent.user_id == User.id)
        .join(AgentSession, AgentSession.user_id == User.id)
        .where(CampaignAgent.campaign_id == campaign_id, AgentSession.logout_at.is_(None))
        .order_by(User.username)
    ).all()
    return [AgentNow(*row) for row in rows]


def _agent_json(agent: AgentNow) -> dict[str, Any]:
    return {
        "user_id": agent.user_id,
        "agent_id": agent.agent_id,
        "name": agent.name,
        "state": agent.state,
        "since": agent.since.isoformat(),
    }


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
