"""The campaign dashboard (M5): progress, why nothing is dialable, outcomes, rates, calls per hour.

Every figure is one aggregate over an index: ``ix_leads_campaign_id_status_attempts``
for the leads, ``ix_calls_campaign_id_status`` for the outcomes,
``ix_calls_campaign_id_created_at`` for the day's calls per hour and
``ix_survey_responses_campaign_id_created_at`` for the surveys. The result is
plain values (:func:`dashboard_json`), so one computed copy can be cached and
shared by every viewer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialer.domain.contacts.history import day_bounds
from dialer.domain.dialing import compliance
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
    SurveyResponse,
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
    leads = lead_figures(session, campaign.id)
    outcomes = outcome_counts(session, campaign.id)
    ended = sum(outcomes.values())
    answered = outcomes.get(str(CallStatus.ANSWER), 0)
    surveys = survey_count(session, campaign.id)
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
    # Counted per (status, attempts): a bare count(*) streaming down the index, a few
    # dozen groups back; the sums are done here.
    rows = session.execute(
        select(Lead.status, Lead.attempts, func.count())
        .where(Lead.campaign_id == campaign_id)
        .group_by(Lead.status, Lead.attempts)
    ).all()
    # Leads a manager removed are kept for their history but are no longer the campaign's.
    kept = [(status, int(attempts), int(count)) for status, attempts, count in rows]
    kept = [row for row in kept if row[0] != LeadStatus.REMOVED]
    return LeadFigures(
        total=sum(count for _s, _a, count in kept),
        dialled=sum(count for _s, attempts, count in kept if attempts > 0),
        finished=sum(count for status, _a, count in kept if status == LeadStatus.DONE),
        held=sum(count for status, _a, count in kept if status == LeadStatus.CLAIMED),
        attempts=sum(attempts * count for _s, attempts, count in kept),
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
    rows = session.execute(
        select(Call.status, func.count())
        .where(Call.campaign_id == campaign_id, Call.status.is_not(None))
        .group_by(Call.status)
    ).all()
    return {status: int(count) for status, count in sorted(rows, key=lambda r: (-r[1], r[0]))}


def survey_count(session: Session, campaign_id: int) -> int:
    """Surveys saved for the campaign's calls."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(SurveyResponse)
            .where(SurveyResponse.campaign_id == campaign_id)
        )
        or 0
    )


def calls_per_hour(session: Session, campaign_id: int, day: date, zone: ZoneInfo) -> list[int]:
    """Calls placed in each local hour of ``day`` (23 or 25 entries on a clock-change day)."""
    start, end = day_bounds(day, zone)
    hours = int((end - start).total_seconds()) // 3600  # a clock-change day keeps its length
    # One range count per hour, all in one statement: each is a count down the
    # (campaign_id, created_at) index, with no per-row hour arithmetic or grouping.
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
