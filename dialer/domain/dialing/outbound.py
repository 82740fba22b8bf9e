"""Outbound dialing: Get Lead (the atomic claim), starting a call, the Originate, hanging up.

The call row is committed before the Originate is sent, and the originate
step runs at most once per call; what happens after comes from the PBX's
events (``calls.py``) (O1-O3).
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, bindparam, select, text, union_all, update
from sqlalchemy.orm import Session

from dialer.domain.dialing import callbacks, compliance
from dialer.domain.dialing.calls import end_call, lock_call
from dialer.domain.dialing.compliance import Refusal
from dialer.domain.notices import Notice, campaign_changed
from dialer.domain.people import agents, snapshots
from dialer.domain.people.agents import AgentError
from dialer.domain.phones import PhoneRejection, normalise_phone
from dialer.domain.reports import counters
from dialer.models import (
    AgentSession,
    AgentState,
    Call,
    CallState,
    CallStatus,
    Campaign,
    CampaignAgent,
    CampaignStatus,
    Direction,
    Lead,
    LeadStatus,
    SurveyResponse,
    UTCDateTime,
)
from dialer.telephony.port import AgentFirstCall, Party

UNKNOWN_CAMPAIGN = "unknown_campaign"
NOT_ASSIGNED = "not_assigned"
LEAD_NOT_HELD = "lead_not_held"
INVALID_NUMBER = "invalid_number"
UNKNOWN_CALL = "unknown_call"
CALL_OVER = "call_over"
CALL_IN_PROGRESS = "call_in_progress"

_CLAIM_ATTEMPTS = 3


@dataclass(frozen=True)
class Claimed:
    """The lead the agent now holds, and whether this request claimed it."""

    lead: Lead
    campaign: Campaign
    is_new_claim: bool


def new_call_uid() -> str:
    """Our id for a call at the PBX: unguessable and safe in AMI headers."""
    return uuid.uuid4().hex


def lead_on_screen(session: Session, agent_session: AgentSession) -> tuple[Lead | None, bool]:
    """The lead the desktop should show now (the held lead, or the last call's while it is up
    or in wrap-up) and whether the survey of the agent's current call is saved."""
    lead = held_lead(session, agent_session.user_id)
    call = (
        session.get(Call, agent_session.current_call_id) if agent_session.current_call_id else None
    )
    showing_call = call is not None and (
        call.state != CallState.ENDED or agent_session.state == AgentState.WRAPUP
    )
    if lead is None and showing_call and call is not None and call.lead_id is not None:
        lead = session.get(Lead, call.lead_id)
    saved = (
        call is not None
        and session.scalar(select(SurveyResponse.id).where(SurveyResponse.call_id == call.id))
        is not None
    )
    return lead, saved


def held_lead(session: Session, user_id: int) -> Lead | None:
    """The lead the agent holds (claimed, not called yet or on the call), if any."""
    return session.scalar(
        select(Lead).where(Lead.claimed_by_id == user_id, Lead.status == LeadStatus.CLAIMED)
    )


# ------------------------------------------------------------------ claim


def claim_next_lead(
    session: Session, user_id: int, campaign_id: int, now: datetime
) -> Claimed | Refusal:
    """Give a Ready agent the campaign's next dialable lead, or the reason there is none.

    The claim is a reservation that the Call re-checks (``start_call`` wants the
    lead still held by this agent), so on PostgreSQL it commits without waiting
    for the disk: a claim lost in a crash cannot make two agents call one lead.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    agent_session = agents.lock_agent_session(session, user_id, now)
    agents.require_state(agent_session, AgentState.READY)
    campaign = _assigned_campaign(session, user_id, campaign_id)
    held = held_lead(session, user_id)
    if held is not None and held.campaign_id == campaign_id:
        return Claimed(held, campaign, is_new_claim=False)
    if held is not None:
        agents.release_claims(session, user_id)
    if campaign.status != CampaignStatus.RUNNING:
        return Refusal(compliance.CAMPAIGN_NOT_RUNNING)
    booked = callbacks.claim_due_callback(session, user_id, campaign, now)
    if booked is not None:  # a customer who asked to be called back at this time comes first
        return Claimed(booked, campaign, is_new_claim=True)
    for _attempt in range(_CLAIM_ATTEMPTS):
        statement, values = claim_statement(campaign, user_id, now)
        lead = session.scalars(statement, values).first()
        if lead is not None:
            counters.add(session, counters.lead_claimed(campaign.id))
            return Claimed(lead, campaign, is_new_claim=True)
        refusal = compliance.why_nothing_dialable(session, campaign, now)
        if refusal.code != compliance.ALL_LEADS_HELD:
            return refusal
    return refusal


def _assigned_campaign(session: Session, user_id: int, campaign_id: int) -> Campaign:
    """The campaign, when the agent is assigned to it (one query for both questions)."""
    found = session.execute(
        select(Campaign, CampaignAgent.id)
        .outerjoin(
            CampaignAgent,
            (CampaignAgent.campaign_id == Campaign.id) & (CampaignAgent.user_id == user_id),
        )
        .where(Campaign.id == campaign_id)
    ).first()
    if found is None:
        raise AgentError(UNKNOWN_CAMPAIGN)
    campaign, assignment = found
    if assignment is None:
        raise AgentError(NOT_ASSIGNED)
    return campaign


def claim_statement(
    campaign: Campaign, user_id: int | None, now: datetime
) -> tuple[Any, dict[str, Any]]:
    """One UPDATE that claims the next dialable lead and returns it (or nothing), with its values.

    Due retries come first (oldest first), then new leads in list order. On
    PostgreSQL each candidate is locked with SKIP LOCKED, so concurrent claims
    pass each other instead of queueing; SQLite runs writers one at a time.
    """
    values = {**compliance.dialable_values(campaign, now), "b_user_id": user_id, "b_now": now}
    return _claim_template(), values


@functools.cache
def _claim_template() -> Any:
    # Built once: every claim binds its own values into the same statement.
    now = bindparam("b_now", type_=UTCDateTime())
    retry = (
        select(Lead.id)
        .where(Lead.status == LeadStatus.RETRY, Lead.next_call_at <= now)
        .where(*compliance.dialable_filters())
        .order_by(Lead.next_call_at, Lead.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .cte("due_retry")
    )
    fresh = (
        select(Lead.id)
        .where(
            Lead.status == LeadStatus.NEW,
            (Lead.next_call_at.is_(None)) | (Lead.next_call_at <= now),
        )
        .where(*compliance.dialable_filters())
        .order_by(Lead.next_call_at, Lead.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .cte("new_lead")
    )
    # The union reads the second arm only when the first found nothing.
    pick = union_all(select(retry.c.id), select(fresh.c.id)).limit(1).scalar_subquery()
    running = select(Campaign.id).where(
        Campaign.id == bindparam("b_campaign_id"), Campaign.status == CampaignStatus.RUNNING
    )
    return (
        update(Lead)
        .where(Lead.id == pick, Lead.campaign_id.in_(running))
        .values(
            status=LeadStatus.CLAIMED,
            claimed_by_id=bindparam("b_user_id", type_=Integer()),
            claimed_at=now,
        )
        .returning(Lead)
        .execution_options(synchronize_session=False, populate_existing=True)
    )


# ------------------------------------------------------------- start call


def start_call(
    session: Session,
    user_id: int,
    now: datetime,
    *,
    lead_id: int | None = None,
    number: str | None = None,
    region: str = "VN",
) -> tuple[Call, list[Notice]]:
    """Write the call row for a held lead or a typed number; the edge commits, then originates."""
    agent_session = agents.lock_agent_session(session, user_id, now)
    agents.require_state(agent_session, AgentState.READY)
    if lead_id is not None:
        call = _lead_call(session, user_id, lead_id, now)
    else:
        call = _manual_call(session, number or "", region)
    call.call_uid = new_call_uid()
    call.direction = Direction.OUTBOUND
    call.agent_id = user_id
    call.extension = agent_session.extension.number
    call.state = CallState.QUEUED
    call.created_at = now
    session.add(call)
    session.flush()
    agent_session.current_call_id = call.id
    agents.set_state(agent_session, AgentState.RINGING, now)
    notices = [snapshots.agent_notice(session, agent_session, now)]
    if call.campaign_id is not None:
        notices.append(campaign_changed(call.campaign_id))
    return call, notices


def _lead_call(session: Session, user_id: int, lead_id: int, now: datetime) -> Call:
    lead = session.get(Lead, lead_id, with_for_update=True, populate_existing=True)
    if lead is None or lead.claimed_by_id != user_id or lead.status != LeadStatus.CLAIMED:
        raise AgentError(LEAD_NOT_HELD)
    # The lead row is locked above, so two requests cannot both pass this look.
    if lead_call_up(session, lead.id):
        raise AgentError(CALL_IN_PROGRESS)
    campaign = lead.campaign
    refusal = compliance.check_lead(session, lead, campaign, now)
    if refusal is not None:
        raise AgentError(refusal.code, until=refusal.until, zone=refusal.zone)
    return Call(
        campaign_id=campaign.id,
        lead_id=lead.id,
        customer_number=lead.phone,
        caller_id=campaign.caller_id,
    )


def lead_call_up(session: Session, lead_id: int) -> bool:
    """True while a call to the lead has not ended: nothing may dial it again until it has."""
    found = session.scalar(
        select(Call.id).where(Call.lead_id == lead_id, Call.state != CallState.ENDED).limit(1)
    )
    return found is not None


def _manual_call(session: Session, number: str, region: str) -> Call:
    normalised = normalise_phone(number, region)
    if isinstance(normalised, PhoneRejection):
        raise AgentError(INVALID_NUMBER, reason=str(normalised))
    if compliance.is_e164_blacklisted(session, normalised.e164):
        raise AgentError(compliance.BLACKLISTED)
    return Call(customer_number=normalised.e164)


# --------------------------------------------------------------- originate


def prepare_originate(
    session: Session, call_id: int, now: datetime, *, ring_timeout_s: int, dial_timeout_s: int
) -> tuple[AgentFirstCall | None, list[Notice]]:
    """Mark a queued call as sent and say what to dial; None when it must not be dialled.

    A second run for the same call finds it past QUEUED and returns None, so a
    job delivered twice originates once. The blacklist and calling hours are
    checked again here, right before the PBX dials.
    """
    call = lock_call(session, call_id, now)
    if call is None or call.state != CallState.QUEUED:
        return None, []
    refusal = _refusal_now(session, call, now)
    if refusal is not None:
        return None, end_call(
            session, call, CallStatus.FAIL, now, cause_text=refusal.code, refusal=refusal
        )
    call.state = CallState.ORIGINATING
    # The Originate rings the agent's phone at once: the screen says so now.
    notices = _agent_notice_of(session, call, now)
    request = AgentFirstCall(
        call_uid=call.call_uid,
        extension=call.extension or "",
        number=call.customer_number,
        caller_id=call.caller_id or "",
        timeout_s=ring_timeout_s,
        dial_timeout_s=dial_timeout_s,
        amd_action=_amd_action(call),
    )
    return request, notices


def _amd_action(call: Call) -> str | None:
    """What the PBX does when a machine answers this call (None: no detection)."""
    campaign = call.campaign
    if campaign is None or not campaign.amd_enabled:
        return None
    return str(campaign.amd_action)


def _agent_notice_of(session: Session, call: Call, now: datetime) -> list[Notice]:
    if call.agent_id is None:
        return []
    try:
        agent_session = agents.lock_agent_session(session, call.agent_id, now, is_from_agent=False)
    except AgentError:
        return []  # signed out meanwhile: nobody's screen to tell
    return [agents.agent_notice(session, agent_session, now)]


def _refusal_now(session: Session, call: Call, now: datetime) -> Refusal | None:
    if call.lead_id is None:
        if compliance.is_e164_blacklisted(session, call.customer_number):
            return Refusal(compliance.BLACKLISTED)
        return None
    lead = session.get_one(Lead, call.lead_id)
    return compliance.check_lead(session, lead, lead.campaign, now)


def fail_originate(
    session: Session, call_id: int, now: datetime, detail: str, *, is_sent: bool = True
) -> list[Notice]:
    """The PBX refused the Originate: the call ends FAIL and the agent is told why.

    When it was not even sent (``is_sent`` false) nobody was dialled: the lead goes
    back without using an attempt, and the agent's phone is not blamed.
    """
    call = lock_call(session, call_id, now)
    if call is None or call.state == CallState.ENDED:
        return []
    if not is_sent:
        call.state = CallState.QUEUED  # as it stood before the Originate was attempted
    return end_call(session, call, CallStatus.FAIL, now, cause_text=detail[:80])


# ---------------------------------------------------------------- hang up


def request_hangup(
    session: Session, user_id: int, call_id: int, now: datetime
) -> tuple[bool, list[Notice]]:
    """The agent hangs up or cancels; True when the PBX must be told to hang up."""
    agents.lock_agent_session(session, user_id, now)
    call = session.get(Call, call_id, with_for_update=True, populate_existing=True)
    if call is None or call.agent_id != user_id:
        raise AgentError(UNKNOWN_CALL)
    if call.state == CallState.ENDED:
        raise AgentError(CALL_OVER)
    call.hung_up_by = Party.AGENT
    if call.state == CallState.QUEUED:
        # Nothing was sent to the PBX yet; the originate job will find the call over.
        return False, end_call(session, call, CallStatus.CANCEL, now)
    return True, []


def withdraw_hangup(session: Session, call_id: int, hung_up_by: str | None) -> None:
    """Take back a hang-up the PBX could not be asked for: the call is up as it was before.

    Only while the call is still up and still marked hung up by the agent; a call that
    ended meanwhile keeps what its end recorded.
    """
    call = session.get(Call, call_id, with_for_update=True, populate_existing=True)
    if call is not None and call.state != CallState.ENDED and call.hung_up_by == Party.AGENT:
        call.hung_up_by = hung_up_by
