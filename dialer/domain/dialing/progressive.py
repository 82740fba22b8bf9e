"""Progressive dialing: once a call's survey is saved, the next lead is dialled for the agent.

The desktop asks in two steps, and the server keeps the clock. ``arm_next_call``
claims the campaign's next lead (the same atomic claim and compliance rules as
Get Lead) and notes on the agent's session when the countdown ends;
``dial_armed_call`` starts the call once it has (agent's phone first, as
Call does). Any change of the agent's state clears the countdown
(``agents.set_state``), so a pause, or a trigger from a page that missed one,
never dials, and a second trigger for one countdown finds it spent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from dialer.domain.dialing import outbound
from dialer.domain.dialing.calls import retry_minutes
from dialer.domain.dialing.compliance import Refusal
from dialer.domain.notices import Notice
from dialer.domain.people import agents
from dialer.domain.people.agents import AgentError
from dialer.models import AgentState, Call, CallStatus, Campaign, DialMode, Lead, LeadStatus

NOT_PROGRESSIVE = "not_progressive"
NO_COUNTDOWN = "no_countdown"
COUNTDOWN_RUNNING = "countdown_running"

# The browser's timer starts when the answer reaches it, after the server's clock started:
# a trigger this early is the same countdown, not an attempt to cut it short.
_EARLY_TOLERANCE = timedelta(milliseconds=500)


@dataclass(frozen=True)
class Armed:
    """The lead the agent holds and when it will be dialled."""

    lead: Lead
    campaign: Campaign
    dial_at: datetime


def arm_next_call(
    session: Session, user_id: int, campaign_id: int, now: datetime
) -> Armed | Refusal:
    """Claim the next lead of a progressive campaign and start its countdown (or say why not).

    Asked again during the countdown, it answers the same lead and the same end.
    """
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise AgentError(outbound.UNKNOWN_CAMPAIGN)
    if campaign.dial_mode != DialMode.PROGRESSIVE:
        raise AgentError(NOT_PROGRESSIVE)
    got = outbound.claim_next_lead(session, user_id, campaign_id, now)
    if isinstance(got, Refusal):
        return got
    agent_session = agents.lock_agent_session(session, user_id, now)
    if agent_session.autodial_at is None or got.is_new_claim:
        agent_session.autodial_at = now + timedelta(seconds=campaign.progressive_countdown_s)
    return Armed(got.lead, campaign, agent_session.autodial_at)


def dial_armed_call(
    session: Session, user_id: int, lead_id: int, now: datetime, *, region: str = "VN"
) -> tuple[Call, list[Notice]]:
    """Start the call to the armed lead once its countdown is over; the edge commits, then
    originates. Refused (nothing written) when there is no countdown for this lead."""
    agent_session = agents.lock_agent_session(session, user_id, now)
    agents.require_state(agent_session, AgentState.READY)
    held = outbound.held_lead(session, user_id)
    if agent_session.autodial_at is None or held is None or held.id != lead_id:
        raise AgentError(NO_COUNTDOWN)
    if now + _EARLY_TOLERANCE < agent_session.autodial_at:
        left = (agent_session.autodial_at - now).total_seconds()
        raise AgentError(COUNTDOWN_RUNNING, seconds=max(1, round(left)))
    agent_session.autodial_at = None
    return outbound.start_call(session, user_id, now, lead_id=lead_id, region=region)


def stop_countdown(session: Session, user_id: int, now: datetime) -> None:
    """The agent stops the countdown: nothing is dialled; the lead stays on screen to call."""
    agent_session = agents.lock_agent_session(session, user_id, now)
    agent_session.autodial_at = None


def skip_armed_lead(
    session: Session, user_id: int, campaign_id: int, now: datetime
) -> Armed | Refusal:
    """Put the armed lead back for later (no attempt used) and arm the next one.

    The lead waits the campaign's CANCEL delay, so the next claim does not hand it
    straight back.
    """
    agent_session = agents.lock_agent_session(session, user_id, now)
    agents.require_state(agent_session, AgentState.READY)
    held = outbound.held_lead(session, user_id)
    if agent_session.autodial_at is None or held is None:
        raise AgentError(NO_COUNTDOWN)
    agent_session.autodial_at = None
    held.claimed_by_id = None
    held.claimed_at = None
    held.status = LeadStatus.RETRY if held.attempts else LeadStatus.NEW
    held.next_call_at = now + timedelta(minutes=retry_minutes(held.campaign, CallStatus.CANCEL))
    session.flush()
    return arm_next_call(session, user_id, campaign_id, now)
