"""A call's life after the Originate: the PBX's events, the outcome, the lead's retry (O4).

Events move a call forward only, so a late or repeated event changes nothing;
the end of a call settles the lead by the campaign's retry rules and frees the
agent. After the listener was blind (a reconnect), calls the PBX no longer has
are closed as they stand.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.domain.dialing import compliance, ring_no_answer
from dialer.domain.dialing.compliance import Refusal
from dialer.domain.notices import Notice, campaign_changed
from dialer.domain.people import agents, snapshots
from dialer.domain.people.agents import AgentError
from dialer.models import (
    AgentSession,
    AgentState,
    AmdAction,
    Call,
    CallState,
    CallStatus,
    Campaign,
    Direction,
    Lead,
    LeadStatus,
    SurveyResponse,
)
from dialer.models.campaigns import DEFAULT_RETRY_MINUTES
from dialer.telephony.port import (
    AmdStatus,
    CallAmdResult,
    CallAnswered,
    CallConnected,
    CallEnded,
    CallRinging,
    Leg,
    Party,
)

# A call lost with the PBX link that had talked less than this by then was cut, not held.
CUT_AFTER_ANSWER_S = 10
# An Originate this fresh may have no channel at the PBX yet: reconciliation leaves it be.
ORIGINATE_GRACE_S = 10

# Calls only move forward along this order; ENDED is final.
_ORDER = {
    CallState.QUEUED: 0,
    CallState.ORIGINATING: 1,
    CallState.RINGING: 2,
    CallState.DIALING: 3,
    CallState.CONNECTED: 4,
    CallState.ENDED: 5,
}


def lock_call(session: Session, call_id: int, now: datetime) -> Call | None:
    """The call, locked after its agent's session (the lock order ``agents`` describes)."""
    agent_id = session.scalar(select(Call.agent_id).where(Call.id == call_id))
    if agent_id is not None:
        _lock_agent_if_signed_in(session, agent_id, now)
    return session.get(Call, call_id, with_for_update=True, populate_existing=True)


def _lock_agent_if_signed_in(session: Session, user_id: int, now: datetime) -> None:
    # Signed out mid-call: the call still gets its outcome.
    with contextlib.suppress(AgentError):
        agents.lock_agent_session(session, user_id, now, is_from_agent=False)


def _call_by_uid(session: Session, call_uid: str, now: datetime) -> Call | None:
    call_id = session.scalar(select(Call.id).where(Call.call_uid == call_uid))
    return None if call_id is None else lock_call(session, call_id, now)


def _advance(call: Call, state: CallState) -> bool:
    if _ORDER[CallState(call.state)] >= _ORDER[state]:
        return False
    call.state = state
    return True


def on_ringing(session: Session, event: CallRinging) -> list[Notice]:
    """The agent's phone rings (or the customer's, once the agent answered)."""
    call = _call_by_uid(session, event.call_uid, event.at)
    if call is None:
        return []
    state = CallState.RINGING if event.leg == Leg.AGENT else CallState.DIALING
    if not _advance(call, state):
        return []
    if call.ringing_at is None:
        call.ringing_at = event.at
    return _agent_notices(session, call, event.at)


def on_answered(session: Session, event: CallAnswered) -> list[Notice]:
    """The agent answered (the customer is dialled next) or the customer answered."""
    if event.leg == Leg.CUSTOMER:
        return on_connected(session, CallConnected(at=event.at, call_uid=event.call_uid))
    call = _call_by_uid(session, event.call_uid, event.at)
    if call is None or not _advance(call, CallState.DIALING):
        return []
    return _agent_notices(session, call, event.at)


def on_connected(session: Session, event: CallConnected) -> list[Notice]:
    """Agent and customer talk: the talk timer starts now (agent turns red)."""
    call = _call_by_uid(session, event.call_uid, event.at)
    if call is None or not _advance(call, CallState.CONNECTED):
        return []
    call.answered_at = call.answered_at or event.at
    agent_session = _agent_session_of(session, call)
    if agent_session is not None:
        agents.set_state(agent_session, AgentState.CONNECTED, event.at)
    return _agent_notices(session, call, event.at)


def on_amd_result(session: Session, event: CallAmdResult) -> list[Notice]:
    """The answering-machine detector's verdict: kept on the call, and the agent is told.

    The dialplan already acted on it (hung up on a machine, or put it through).
    """
    call = _call_by_uid(session, event.call_uid, event.at)
    if call is None or call.amd_status is not None:
        return []
    call.amd_status = str(event.status)
    return _agent_notices(session, call, event.at)


def on_ended(session: Session, event: CallEnded) -> list[Notice]:
    """The PBX says the call is over, with its outcome."""
    call = _call_by_uid(session, event.call_uid, event.at)
    if call is None or call.state == CallState.ENDED:
        return []
    if call.hung_up_by is None:
        call.hung_up_by = str(event.hung_up_by)
    status = CallStatus(event.status)
    if status == CallStatus.ANSWER and hangs_up_on_machines(call):
        # A machine answered and the dialplan hung up on it: retried by the campaign's rule
        # (a predictive call hung up on before its queue is a machine, not an abandon).
        status = CallStatus.MACHINE
    elif status == CallStatus.ANSWER and is_abandoned(call):
        # A customer dialled for the queue who never reached an agent (predictive dialing).
        return end_call(session, call, CallStatus.ABANDON, event.at, cause=event.cause)
    elif status == CallStatus.ANSWER and call.hung_up_by == Party.SYSTEM:
        # Neither party hung up (a PBX restart cut it): only a real conversation counts.
        talked = (event.at - call.answered_at).total_seconds() if call.answered_at else 0
        status = CallStatus.ANSWER if talked >= CUT_AFTER_ANSWER_S else CallStatus.FAIL
    return end_call(
        session,
        call,
        status,
        event.at,
        cause=event.cause,
        cause_text=event.cause_text,
        is_customer_dialled=event.customer_dialled,
    )


def is_abandoned(call: Call) -> bool:
    """A customer-first call answered by the customer that the queue bridged to no phone."""
    is_customer_first = call.direction == Direction.OUTBOUND and call.queue is not None
    is_bridged = call.agent_id is not None or call.extension is not None
    return is_customer_first and call.answered_at is not None and not is_bridged


def end_call(
    session: Session,
    call: Call,
    status: CallStatus,
    now: datetime,
    *,
    cause: int | None = None,
    cause_text: str = "",
    refusal: Refusal | None = None,
    is_customer_dialled: bool = True,
    estimated_end: datetime | None = None,
) -> list[Notice]:
    """Close the call with its outcome; settle the lead and free the agent.

    With a ``refusal`` or a cancel before anything was sent, the customer was
    never dialled: the lead goes back without using an attempt. When the agent's
    own phone did not answer or was busy, the lead stays with the agent, unused.
    With ``estimated_end`` (the PBX was out of sight) the call ends then, not ``now``,
    and is marked estimated.
    """
    was_dialled = is_customer_dialled and call.state != CallState.QUEUED
    if refusal is None and not is_customer_dialled:
        call.agent_leg = ring_no_answer.agent_leg_failure(call, status, cause)
    if call.answered_at is None and call.hung_up_by == Party.AGENT:
        status = CallStatus.CANCEL  # the agent gave up before the customer answered (O4)
    end = now if estimated_end is None else max(estimated_end, call.answered_at or call.created_at)
    if status == CallStatus.ANSWER and call.answered_at is None:
        call.answered_at = end
    call.state = CallState.ENDED
    call.status = status
    call.ended_at = end
    call.ended_estimated = estimated_end is not None
    call.hangup_cause = cause
    call.hangup_cause_text = cause_text[:80]
    call.talk_s = int((end - call.answered_at).total_seconds()) if call.answered_at else 0
    call.wait_s = int(((call.answered_at or end) - call.created_at).total_seconds())
    if call.lead_id is not None:
        lead = session.get_one(Lead, call.lead_id, with_for_update=True, populate_existing=True)
        # When the agent's own phone failed (agent_leg), the lead stays with the agent as it was.
        if refusal is None and was_dialled:
            settle_lead(lead, lead.campaign, status, now)
        elif call.agent_leg is None:
            return_lead(
                lead, is_final=refusal is not None and refusal.code == compliance.BLACKLISTED
            )
    agent_session = _agent_session_of(session, call)
    if agent_session is not None and agent_session.state in agents.ON_A_CALL:
        agents.set_state(agent_session, _state_after(session, call), now)
        if call.agent_leg == ring_no_answer.NO_ANSWER:
            limit = ring_no_answer.limit_for(session, call.campaign_id)
            ring_no_answer.pause_if_away(session, agent_session, now, after=limit)
    notices = _agent_notices(session, call, now)
    if call.campaign_id is not None:
        notices.append(campaign_changed(call.campaign_id))
    return notices


def hangs_up_on_machines(call: Call) -> bool:
    """True when a machine answered this call and its campaign hangs up on machines."""
    campaign = call.campaign
    return (
        call.amd_status == AmdStatus.MACHINE
        and campaign is not None
        and campaign.amd_enabled
        and campaign.amd_action == AmdAction.HANGUP
    )


def settle_lead(lead: Lead, campaign: Campaign, status: CallStatus, now: datetime) -> None:
    """The lead after a call: finished when reached or out of attempts, else due again later."""
    lead.claimed_by_id = None
    lead.claimed_at = None
    lead.attempts += 1
    lead.last_status = status
    if status == CallStatus.ANSWER or lead.attempts >= campaign.max_attempts:
        lead.status = LeadStatus.DONE
        lead.next_call_at = None
        return
    lead.status = LeadStatus.RETRY
    lead.next_call_at = now + timedelta(minutes=retry_minutes(campaign, status))


def return_lead(lead: Lead, *, is_final: bool) -> None:
    """A lead that was never dialled goes back as it was (or is finished, when ``is_final``)."""
    lead.claimed_by_id = None
    lead.claimed_at = None
    if is_final:
        lead.status = LeadStatus.DONE
    else:
        lead.status = LeadStatus.RETRY if lead.attempts else LeadStatus.NEW


def retry_minutes(campaign: Campaign, status: CallStatus) -> int:
    """Minutes before a lead may be called again after this outcome (the campaign's rule)."""
    rules = campaign.retry_minutes or {}
    value = rules.get(str(status), DEFAULT_RETRY_MINUTES.get(str(status), 60))
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return DEFAULT_RETRY_MINUTES.get(str(status), 60)


def _state_after(session: Session, call: Call) -> AgentState:
    if call.status != CallStatus.ANSWER or call.campaign_id is None:
        return AgentState.READY
    has_survey = call.campaign.survey_id is not None
    saved = session.scalar(select(SurveyResponse.id).where(SurveyResponse.call_id == call.id))
    return AgentState.WRAPUP if has_survey and saved is None else AgentState.READY


def _agent_session_of(session: Session, call: Call) -> AgentSession | None:
    if call.agent_id is None:
        return None
    agent_session = session.scalar(
        select(AgentSession).where(
            AgentSession.user_id == call.agent_id,
            AgentSession.logout_at.is_(None),
            AgentSession.current_call_id == call.id,
        )
    )
    return agent_session


def _agent_notices(session: Session, call: Call, now: datetime) -> list[Notice]:
    agent_session = _agent_session_of(session, call)
    if agent_session is None:
        return [Notice(call.agent_id, "call", snapshots.call_view(call) or {})]
    return [snapshots.agent_notice(session, agent_session, now)]
