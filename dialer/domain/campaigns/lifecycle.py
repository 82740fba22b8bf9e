"""Campaigns: their settings, and the rules for starting, pausing and stopping them (M1)."""

from __future__ import annotations

import enum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialer.domain.campaigns.dialing_settings import (
    apply_dialing,
)
from dialer.domain.campaigns.errors import CampaignError
from dialer.domain.campaigns.settings import CampaignSettings
from dialer.domain.phones import NormalisedPhone, normalise_phone
from dialer.models import (
    BlacklistNumber,
    Campaign,
    CampaignAgent,
    CampaignStatus,
    Lead,
    LeadStatus,
    Role,
    Survey,
    User,
)
from dialer.models.campaigns import (
    DEFAULT_RETRY_MINUTES,
    DialMode,
)

RETRY_OUTCOMES = tuple(DEFAULT_RETRY_MINUTES)  # BUSY, NOANSWER, FAIL, CANCEL, MACHINE, ABANDON
MAX_ATTEMPTS = 20
MAX_RING_NO_ANSWER_LIMIT = 10
MAX_RETRY_MINUTES = 7 * 24 * 60


class Missing(enum.StrEnum):
    """What a campaign lacks before it may start."""

    CALLER_ID = "caller_id"
    SURVEY = "survey"
    LEADS = "leads"


def normalise_caller_id(raw: str, region: str) -> str:
    """The caller id in E.164; CampaignError when it is not a valid number."""
    number = normalise_phone(raw, region)
    if not isinstance(number, NormalisedPhone):
        raise CampaignError("caller_id_invalid", f"caller id {raw!r} is not a valid phone number")
    return number.e164


def create_campaign(
    session: Session,
    *,
    name: str,
    caller_id: str | None = None,
    survey_id: int | None = None,
    region: str = "VN",
    timezone: str = "Asia/Ho_Chi_Minh",
    created_by_id: int | None = None,
    dial_mode: str = DialMode.PREVIEW,
    record_calls: bool = True,
) -> Campaign:
    """A new draft campaign with default hours and retries."""
    campaign = Campaign(name="", status=CampaignStatus.DRAFT, created_by_id=created_by_id)
    settings = CampaignSettings(
        name=name,
        caller_id=caller_id,
        survey_id=survey_id,
        timezone=timezone,
        dial_mode=dial_mode,
        record_calls=record_calls,
    )
    apply_settings(session, campaign, settings, region)
    session.add(campaign)
    session.flush()
    return campaign


def apply_settings(
    session: Session, campaign: Campaign, settings: CampaignSettings, region: str
) -> None:
    """Check and store the settings; CampaignError names the first bad one."""
    name = settings.name.strip()
    if not name:
        raise CampaignError("name_missing", "a campaign needs a name")
    taken = session.scalar(
        select(Campaign.id).where(
            func.lower(Campaign.name) == name.lower(), Campaign.id != campaign.id
        )
    )
    if taken:
        raise CampaignError("name_taken", f"a campaign named {name!r} exists", name=name)
    caller_id = settings.caller_id.strip() if settings.caller_id else ""
    campaign.caller_id = normalise_caller_id(caller_id, region) if caller_id else None
    campaign.name = name[:120]
    campaign.description = settings.description.strip()
    campaign.timezone = _checked_zone(settings.timezone)
    campaign.call_days = _checked_days(settings.call_days)
    if settings.call_start >= settings.call_end:
        raise CampaignError("hours_backwards", "calling hours must end after they start")
    campaign.call_start, campaign.call_end = settings.call_start, settings.call_end
    if not 1 <= settings.max_attempts <= MAX_ATTEMPTS:
        raise CampaignError(
            "attempts_range", f"max attempts must be 1 to {MAX_ATTEMPTS}", max=MAX_ATTEMPTS
        )
    campaign.max_attempts = settings.max_attempts
    if not 0 <= settings.ring_no_answer_limit <= MAX_RING_NO_ANSWER_LIMIT:
        raise CampaignError(
            "ring_no_answer_range",
            f"unanswered agent calls before a pause must be 0 to {MAX_RING_NO_ANSWER_LIMIT}",
            max=MAX_RING_NO_ANSWER_LIMIT,
        )
    campaign.ring_no_answer_limit = settings.ring_no_answer_limit
    campaign.retry_minutes = _checked_retries(settings.retry_minutes)
    if settings.survey_id is not None and session.get(Survey, settings.survey_id) is None:
        raise CampaignError("survey_unknown", f"no survey {settings.survey_id}")
    campaign.survey_id = settings.survey_id
    campaign.record_calls = bool(settings.record_calls)
    apply_dialing(session, campaign, settings)


def _checked_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CampaignError("zone_unknown", f"{name!r} is not a time zone", zone=name) from None
    return name


def _checked_days(days: str) -> str:
    chosen = sorted(set(days))
    if not chosen or any(day not in "1234567" for day in chosen):
        raise CampaignError("days_missing", "pick at least one calling day")
    return "".join(chosen)


def _checked_retries(minutes: dict[str, int]) -> dict[str, int]:
    checked = dict(DEFAULT_RETRY_MINUTES)
    for outcome, value in minutes.items():
        if outcome not in RETRY_OUTCOMES:
            raise CampaignError("retry_outcome", f"{outcome!r} is not a retried outcome")
        if not 0 <= int(value) <= MAX_RETRY_MINUTES:
            raise CampaignError(
                "retry_range",
                f"retry delays are 0 to {MAX_RETRY_MINUTES} minutes",
                max=MAX_RETRY_MINUTES,
            )
        checked[outcome] = int(value)
    return checked


def agent_accounts(session: Session) -> list[User]:
    """The agents a manager can assign, by name."""
    return list(
        session.scalars(
            select(User)
            .where(User.role == Role.AGENT, User.is_active_user)
            .order_by(User.display_name)
        )
    )


def assign_agents(session: Session, campaign: Campaign, user_ids: list[int]) -> None:
    """The agents who may work the campaign (Get Lead) are exactly these."""
    agents = session.scalars(
        select(User).where(User.id.in_(user_ids), User.role == Role.AGENT)
    ).all()
    if len(agents) != len(set(user_ids)):
        raise CampaignError("agent_unknown", "only agents can be assigned to a campaign")
    wanted = {agent.id for agent in agents}
    campaign.agents = [a for a in campaign.agents if a.user_id in wanted] + [
        CampaignAgent(user_id=user_id)
        for user_id in sorted(wanted - {a.user_id for a in campaign.agents})
    ]
    session.flush()


def dialable_leads(session: Session, campaign: Campaign) -> int:
    """Leads an agent could still be given: not finished, attempts left, not blacklisted."""
    blacklisted = select(BlacklistNumber.id).where(BlacklistNumber.phone == Lead.phone)
    return int(
        session.scalar(
            select(func.count())
            .select_from(Lead)
            .where(
                Lead.campaign_id == campaign.id,
                Lead.status.in_((LeadStatus.NEW, LeadStatus.RETRY, LeadStatus.CLAIMED)),
                Lead.attempts < campaign.max_attempts,
                ~blacklisted.exists(),
            )
        )
        or 0
    )


def missing_to_start(session: Session, campaign: Campaign) -> list[Missing]:
    """What the campaign lacks before it may start (empty when it may)."""
    missing = []
    if not campaign.caller_id:
        missing.append(Missing.CALLER_ID)
    if campaign.survey_id is None:
        missing.append(Missing.SURVEY)
    if dialable_leads(session, campaign) == 0:
        missing.append(Missing.LEADS)
    return missing


START, PAUSE, STOP = "start", "pause", "stop"


def allowed_transitions(campaign: Campaign) -> list[str]:
    """The status changes a manager may ask for now, in the order the page shows them.

    Start may still be refused for what the campaign lacks (``missing_to_start``).
    """
    allowed = []
    if campaign.status != CampaignStatus.RUNNING:
        allowed.append(START)
    if campaign.status == CampaignStatus.RUNNING:
        allowed.append(PAUSE)
    if campaign.status in (CampaignStatus.RUNNING, CampaignStatus.PAUSED):
        allowed.append(STOP)
    return allowed


def start_campaign(session: Session, campaign: Campaign) -> None:
    """Run the campaign (from draft, paused or stopped) once nothing is missing."""
    if campaign.status == CampaignStatus.RUNNING:
        return
    missing = missing_to_start(session, campaign)
    if missing:
        raise CampaignError(
            "not_ready",
            "cannot start: missing " + ", ".join(missing),
            missing=missing,
        )
    campaign.status = CampaignStatus.RUNNING


def pause_campaign(campaign: Campaign) -> None:
    """Pause a running campaign: agents get no new lead until it starts again."""
    if campaign.status == CampaignStatus.PAUSED:
        return
    if campaign.status != CampaignStatus.RUNNING:
        raise CampaignError("not_running", "only a running campaign can be paused")
    campaign.status = CampaignStatus.PAUSED


def stop_campaign(campaign: Campaign) -> None:
    """Stop a running or paused campaign (it can be started again later)."""
    if campaign.status == CampaignStatus.STOPPED:
        return
    if STOP not in allowed_transitions(campaign):
        raise CampaignError("not_started", "only a running or paused campaign can be stopped")
    campaign.status = CampaignStatus.STOPPED


def find_campaign(session: Session, id_or_name: str) -> Campaign | None:
    """The campaign with this id, else with this name (case-insensitive)."""
    if id_or_name.isdigit():
        found = session.get(Campaign, int(id_or_name))
        if found is not None:
            return found
    return session.scalar(
        select(Campaign).where(func.lower(Campaign.name) == id_or_name.strip().lower())
    )


def lead_counts(session: Session) -> dict[int, dict[str, int]]:
    """Per campaign, how many leads it has in each status."""
    counts: dict[int, dict[str, int]] = {}
    rows = session.execute(
        select(Lead.campaign_id, Lead.status, func.count()).group_by(Lead.campaign_id, Lead.status)
    )
    for campaign_id, status, count in rows:
        counts.setdefault(campaign_id, {})[status] = count
    return counts


def campaign_rows(session: Session) -> list[dict[str, Any]]:
    """Every campaign as plain values, for the command line."""
    counts = lead_counts(session)
    return [
        {
            "id": c.id,
            "name": c.name,
            "status": c.status,
            "caller_id": c.caller_id,
            "survey_id": c.survey_id,
            "dial_mode": c.dial_mode,
            "leads": sum(counts.get(c.id, {}).values()),
        }
        for c in session.scalars(select(Campaign).order_by(Campaign.id))
    ]
