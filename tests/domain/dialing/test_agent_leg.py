"""The agent's own phone failing is told apart: no attempt used, the lead kept, then a pause."""

from __future__ import annotations

from datetime import timedelta

from dialer.domain.dialing import outbound as dialing
from dialer.domain.dialing import ring_no_answer
from dialer.domain.dialing.events import apply_port_event
from dialer.extensions import db
from dialer.models import AgentState, CallStatus, LeadStatus
from dialer.telephony.port import CallAnswered, CallEnded, CallRinging, Leg, Party
from tests.factories.campaigns import MORNING, make_campaign
from tests.factories.leads import make_lead
from tests.factories.people import make_agent


def _call(user_id: int, lead_id: int, at):
    call, _ = dialing.start_call(db.session, user_id, at, lead_id=lead_id)
    dialing.prepare_originate(db.session, call.id, at, ring_timeout_s=30, dial_timeout_s=30)
    apply_port_event(db.session, CallRinging(at=at, call_uid=call.call_uid, leg=Leg.AGENT))
    return call


def _agent_phone_ends(call, at, *, status: str = "FAIL", cause: int = 19) -> None:
    event = CallEnded(
        at=at, call_uid=call.call_uid, status=status, cause=cause, hung_up_by=Party.CUSTOMER
    )
    apply_port_event(db.session, CallEnded(**{**event.__dict__, "customer_dialled": False}))


def _holding(ctx):
    user, agent_session = make_agent(db.session)
    campaign = make_campaign(db.session, agents=[user])
    lead = make_lead(db.session, campaign)
    dialing.claim_next_lead(db.session, user.id, campaign.id, MORNING)
    return user, agent_session, lead


def test_an_unanswered_agent_phone_keeps_the_lead_with_the_agent_uncharged(ctx) -> None:
    user, agent_session, lead = _holding(ctx)
    call = _call(user.id, lead.id, MORNING)
    _agent_phone_ends(call, MORNING + timedelta(seconds=30))
    assert (call.status, call.agent_leg) == (CallStatus.FAIL, ring_no_answer.NO_ANSWER)
    assert (lead.status, lead.claimed_by_id, lead.attempts) == (LeadStatus.CLAIMED, user.id, 0)
    assert lead.last_status is None
    assert agent_session.state == AgentState.READY
    assert dialing.held_lead(db.session, user.id) is lead  # Call again works on the same lead


def test_a_busy_agent_phone_says_busy_and_does_not_count_towards_the_pause(ctx) -> None:
    user, agent_session, lead = _holding(ctx)
    for n in range(3):
        call = _call(user.id, lead.id, MORNING + timedelta(minutes=n))
        _agent_phone_ends(call, MORNING + timedelta(minutes=n, seconds=1), cause=17)
        assert call.agent_leg == ring_no_answer.BUSY
    assert agent_session.state == AgentState.READY
    assert lead.attempts == 0


def test_two_unanswered_agent_legs_in_a_row_pause_the_agent_with_a_reason(ctx) -> None:
    user, agent_session, lead = _holding(ctx)
    first = _call(user.id, lead.id, MORNING)
    _agent_phone_ends(first, MORNING + timedelta(seconds=30))
    assert agent_session.state == AgentState.READY
    second = _call(user.id, lead.id, MORNING + timedelta(minutes=1))
    _agent_phone_ends(second, MORNING + timedelta(minutes=1, seconds=30))
    assert agent_session.state == AgentState.PAUSED
    assert agent_session.pause_reason.code == ring_no_answer.RING_NO_ANSWER_REASON
    assert (lead.status, lead.claimed_by_id, lead.attempts) == (LeadStatus.CLAIMED, user.id, 0)


def _unanswered_in_a_row(user, lead, count: int) -> None:
    for n in range(count):
        call = _call(user.id, lead.id, MORNING + timedelta(minutes=n))
        _agent_phone_ends(call, MORNING + timedelta(minutes=n, seconds=30))


def test_the_campaign_sets_how_many_unanswered_legs_pause_the_agent(ctx) -> None:
    user, agent_session, lead = _holding(ctx)
    lead.campaign.ring_no_answer_limit = 3
    _unanswered_in_a_row(user, lead, 2)
    assert agent_session.state == AgentState.READY
    _unanswered_in_a_row(user, lead, 1)
    assert agent_session.state == AgentState.PAUSED
    assert agent_session.pause_reason.code == ring_no_answer.RING_NO_ANSWER_REASON


def test_a_campaign_limit_of_zero_never_pauses(ctx) -> None:
    user, agent_session, lead = _holding(ctx)
    lead.campaign.ring_no_answer_limit = 0
    _unanswered_in_a_row(user, lead, 5)
    assert agent_session.state == AgentState.READY
    assert lead.attempts == 0


def test_an_answered_call_in_between_resets_the_count(ctx) -> None:
    user, agent_session, lead = _holding(ctx)
    first = _call(user.id, lead.id, MORNING)
    _agent_phone_ends(first, MORNING + timedelta(seconds=30))
    at = MORNING + timedelta(minutes=1)
    second = _call(user.id, lead.id, at)
    apply_port_event(db.session, CallAnswered(at=at, call_uid=second.call_uid, leg=Leg.AGENT))
    apply_port_event(
        db.session, CallEnded(at=at, call_uid=second.call_uid, status="BUSY", cause=17)
    )
    assert second.agent_leg is None and lead.attempts == 1  # the customer was busy: charged
    campaign_id = lead.campaign_id
    dialing.claim_next_lead(db.session, user.id, campaign_id, MORNING + timedelta(hours=2))
    third = _call(user.id, lead.id, MORNING + timedelta(hours=2))
    _agent_phone_ends(third, MORNING + timedelta(hours=2, seconds=30))
    assert agent_session.state == AgentState.READY


def test_the_agent_cancelling_their_own_ringing_phone_is_not_a_ring_no_answer(ctx) -> None:
    user, agent_session, lead = _holding(ctx)
    call = _call(user.id, lead.id, MORNING)
    dialing.request_hangup(db.session, user.id, call.id, MORNING)
    assert call.hung_up_by == Party.AGENT
    _agent_phone_ends(call, MORNING + timedelta(seconds=2), status="CANCEL", cause=16)
    assert (call.status, call.agent_leg) == (CallStatus.CANCEL, None)
    assert lead.attempts == 0
