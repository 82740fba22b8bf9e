"""Get Lead, the call's life from the PBX's events, hang up and cancel, retries."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dialer.domain.dialing import calls, compliance, lost_calls
from dialer.domain.dialing import outbound as dialing
from dialer.domain.dialing.compliance import Refusal
from dialer.domain.dialing.events import apply_port_event
from dialer.domain.dialing.outbound import Claimed
from dialer.domain.people.agents import AgentError
from dialer.extensions import db
from dialer.models import (
    AgentState,
    CallState,
    CallStatus,
    CampaignStatus,
    LeadStatus,
)
from dialer.telephony.port import (
    CallAnswered,
    CallConnected,
    CallEnded,
    CallRinging,
    Leg,
    Party,
)
from tests.factories.campaigns import MORNING, blacklist, make_campaign, standard_survey
from tests.factories.leads import make_lead
from tests.factories.people import make_agent

TIMEOUTS = {"ring_timeout_s": 30, "dial_timeout_s": 30}


def claim(user_id: int, campaign_id: int, now=MORNING) -> Claimed | Refusal:
    return dialing.claim_next_lead(db.session, user_id, campaign_id, now)


def held(**campaign: object):
    """A signed-in agent holding the one lead of a campaign: (user, session, campaign, lead)."""
    user, agent_session = make_agent(db.session)
    made = make_campaign(db.session, agents=[user], **campaign)
    lead = make_lead(db.session, made)
    claim(user.id, made.id)
    return user, agent_session, made, lead


def test_get_lead_claims_due_retries_first_then_new_leads_in_list_order(ctx) -> None:
    user, _ = make_agent(db.session)
    campaign = make_campaign(db.session, agents=[user])
    first_new = make_lead(db.session, campaign, "+84912345671")
    make_lead(db.session, campaign, "+84912345672")
    due = make_lead(
        db.session,
        campaign,
        "+84912345673",
        status=LeadStatus.RETRY,
        attempts=1,
        next_call_at=MORNING - timedelta(minutes=1),
    )
    make_lead(
        db.session,
        campaign,
        "+84912345674",
        status=LeadStatus.RETRY,
        attempts=1,
        next_call_at=MORNING + timedelta(minutes=1),
    )
    got = claim(user.id, campaign.id)
    assert isinstance(got, Claimed) and got.lead.id == due.id and got.is_new_claim
    assert (got.lead.status, got.lead.claimed_by_id) == (LeadStatus.CLAIMED, user.id)
    # The agent holds one lead at a time: asking again gives the same lead.
    again = claim(user.id, campaign.id)
    assert isinstance(again, Claimed) and again.lead.id == due.id and not again.is_new_claim
    dialing.start_call(db.session, user.id, MORNING, lead_id=due.id)
    _end_current_call(user.id, CallStatus.BUSY)
    nxt = claim(user.id, campaign.id)
    assert isinstance(nxt, Claimed) and nxt.lead.id == first_new.id


def test_the_claim_skips_blacklisted_exhausted_and_out_of_hours_leads(ctx) -> None:
    user, _ = make_agent(db.session)
    campaign = make_campaign(db.session, agents=[user], max_attempts=2)
    make_lead(db.session, campaign, "+84912345671")
    blacklist(db.session, "+84912345671")
    make_lead(db.session, campaign, "+84912345672", status=LeadStatus.RETRY, attempts=2,
              next_call_at=MORNING - timedelta(hours=1))  # fmt: skip
    make_lead(db.session, campaign, "+84912345673", timezone="America/New_York")
    make_lead(db.session, campaign, "+84912345674", status=LeadStatus.DONE)
    got = claim(user.id, campaign.id)
    assert isinstance(got, Refusal)
    assert got.code == compliance.OUTSIDE_CALLING_HOURS  # the New York lead waits for 08:00 there
    good = make_lead(db.session, campaign, "+84912345675")
    got = claim(user.id, campaign.id)
    assert isinstance(got, Claimed) and got.lead.id == good.id


def test_get_lead_needs_ready_an_assignment_and_a_running_campaign(ctx) -> None:
    user, agent_session = make_agent(db.session)
    other = make_campaign(db.session, "Not mine")
    with pytest.raises(AgentError) as refused:
        claim(user.id, other.id)
    assert refused.value.code == dialing.NOT_ASSIGNED
    campaign = make_campaign(db.session, agents=[user], status=CampaignStatus.PAUSED)
    make_lead(db.session, campaign)
    got = claim(user.id, campaign.id)
    assert isinstance(got, Refusal) and got.code == compliance.CAMPAIGN_NOT_RUNNING
    campaign.status = CampaignStatus.RUNNING
    agent_session.state = AgentState.PAUSED
    with pytest.raises(AgentError):
        claim(user.id, campaign.id)


def test_switching_campaign_gives_the_held_lead_back(ctx) -> None:
    user, _ = make_agent(db.session)
    first = make_campaign(db.session, "First", agents=[user])
    second = make_campaign(db.session, "Second", agents=[user])
    held = make_lead(db.session, first)
    make_lead(db.session, second, "+84912345679")
    claim(user.id, first.id)
    got = claim(user.id, second.id)
    assert isinstance(got, Claimed) and got.lead.campaign_id == second.id
    assert (held.status, held.claimed_by_id) == (LeadStatus.NEW, None)


def _start(user_id: int, lead_id: int):
    call, _ = dialing.start_call(db.session, user_id, MORNING, lead_id=lead_id)
    request, _ = dialing.prepare_originate(db.session, call.id, MORNING, **TIMEOUTS)
    return call, request


def _end_current_call(user_id: int, status: CallStatus, at=MORNING) -> None:
    from dialer.domain.people.agents import lock_agent_session

    call_id = lock_agent_session(db.session, user_id, at).current_call_id
    call = db.session.get(calls.Call, call_id)
    if call.state == CallState.QUEUED:
        dialing.prepare_originate(db.session, call.id, at, **TIMEOUTS)
    apply_port_event(
        db.session,
        CallEnded(
            at=at, call_uid=call.call_uid, status=status, cause=16, hung_up_by=Party.CUSTOMER
        ),
    )


def test_a_call_goes_ringing_then_connected_then_ends_answered(ctx) -> None:
    user, agent_session, campaign, lead = held(survey=standard_survey(db.session))
    call, request = _start(user.id, lead.id)
    assert request is not None and request.call_uid == call.call_uid
    assert (request.extension, request.number, request.caller_id) == (
        "1001",
        "+84912345670",
        "+842873001234",
    )
    assert agent_session.state == AgentState.RINGING
    uid = call.call_uid
    at = MORNING + timedelta(seconds=1)
    apply_port_event(db.session, CallRinging(at=at, call_uid=uid, leg=Leg.AGENT))
    assert call.state == CallState.RINGING
    apply_port_event(db.session, CallAnswered(at=at, call_uid=uid, leg=Leg.AGENT))
    apply_port_event(db.session, CallRinging(at=at, call_uid=uid, leg=Leg.CUSTOMER))
    assert (call.state, agent_session.state) == (CallState.DIALING, AgentState.RINGING)
    talk = MORNING + timedelta(seconds=5)
    notices = apply_port_event(db.session, CallConnected(at=talk, call_uid=uid))
    assert (call.state, agent_session.state) == (CallState.CONNECTED, AgentState.CONNECTED)
    assert notices[0].data["call"]["answered_at"] == talk.isoformat()
    # A late ringing event does not move the call back.
    assert apply_port_event(db.session, CallRinging(at=talk, call_uid=uid, leg=Leg.AGENT)) == []
    end = talk + timedelta(seconds=42)
    apply_port_event(
        db.session,
        CallEnded(at=end, call_uid=uid, status="ANSWER", cause=16, hung_up_by=Party.CUSTOMER),
    )
    assert (call.state, call.status, call.talk_s) == (CallState.ENDED, CallStatus.ANSWER, 42)
    assert (lead.status, lead.attempts, lead.last_status) == (LeadStatus.DONE, 1, "ANSWER")
    # Answered with a survey to fill: wrap-up until it is saved.
    assert agent_session.state == AgentState.WRAPUP
    # The same end again changes nothing.
    assert (
        apply_port_event(db.session, CallEnded(at=end, call_uid=uid, status="BUSY", cause=17)) == []
    )


@pytest.mark.parametrize(("status", "minutes"), [("BUSY", 15), ("NOANSWER", 60), ("FAIL", 120)])
def test_an_unanswered_call_schedules_the_retry_from_the_campaign_rules(
    ctx, status: str, minutes: int
) -> None:
    user, agent_session, campaign, lead = held(survey=standard_survey(db.session))
    call, _ = _start(user.id, lead.id)
    apply_port_event(
        db.session,
        CallEnded(
            at=MORNING, call_uid=call.call_uid, status=status, cause=17, hung_up_by=Party.CUSTOMER
        ),
    )
    assert (lead.status, lead.attempts) == (LeadStatus.RETRY, 1)
    assert lead.next_call_at == MORNING + timedelta(minutes=minutes)
    assert agent_session.state == AgentState.READY  # nothing to ask: straight back to Ready


def test_the_last_attempt_finishes_the_lead(ctx) -> None:
    user, _ = make_agent(db.session)
    campaign = make_campaign(db.session, agents=[user], max_attempts=2, retry_minutes={"BUSY": 0})
    lead = make_lead(db.session, campaign)
    for _ in range(2):
        got = claim(user.id, campaign.id)
        assert isinstance(got, Claimed)
        call, _ = _start(user.id, lead.id)
        apply_port_event(
            db.session, CallEnded(at=MORNING, call_uid=call.call_uid, status="BUSY", cause=17)
        )
    assert (lead.status, lead.attempts) == (LeadStatus.DONE, 2)
    assert claim(user.id, campaign.id).code == compliance.NO_LEADS_LEFT


def test_the_originate_step_runs_once_per_call(ctx) -> None:
    user, _, campaign, lead = held()
    call, request = _start(user.id, lead.id)
    assert request is not None and call.state == CallState.ORIGINATING
    again, notices = dialing.prepare_originate(db.session, call.id, MORNING, **TIMEOUTS)
    assert (again, notices) == (None, [])


def test_a_number_blacklisted_after_the_call_was_pressed_is_never_dialled(ctx) -> None:
    user, agent_session, campaign, lead = held()
    call, _ = dialing.start_call(db.session, user.id, MORNING, lead_id=lead.id)
    blacklist(db.session, lead.phone)
    request, notices = dialing.prepare_originate(db.session, call.id, MORNING, **TIMEOUTS)
    assert request is None
    assert (call.status, call.hangup_cause_text) == (CallStatus.FAIL, compliance.BLACKLISTED)
    assert (lead.status, lead.attempts) == (LeadStatus.DONE, 0)
    assert agent_session.state == AgentState.READY
    assert notices[0].data["call"]["cause"] == compliance.BLACKLISTED


def test_calling_hours_are_checked_again_before_the_originate(ctx) -> None:
    user, _, campaign, lead = held()
    call, _ = dialing.start_call(db.session, user.id, MORNING, lead_id=lead.id)
    night = MORNING + timedelta(hours=12)  # 22:00 in Saigon
    request, _ = dialing.prepare_originate(db.session, call.id, night, **TIMEOUTS)
    assert request is None and call.hangup_cause_text == compliance.OUTSIDE_CALLING_HOURS
    assert (lead.status, lead.attempts) == (LeadStatus.NEW, 0)


def test_hanging_up_before_the_customer_answers_is_a_cancel(ctx) -> None:
    user, agent_session, campaign, lead = held()
    call, _ = _start(user.id, lead.id)
    apply_port_event(db.session, CallRinging(at=MORNING, call_uid=call.call_uid, leg=Leg.CUSTOMER))
    tell_pbx, _ = dialing.request_hangup(db.session, user.id, call.id, MORNING)
    assert tell_pbx
    apply_port_event(
        db.session,
        CallEnded(
            at=MORNING,
            call_uid=call.call_uid,
            status="NOANSWER",
            cause=16,
            hung_up_by=Party.CUSTOMER,
        ),
    )
    assert call.status == CallStatus.CANCEL and call.hung_up_by == "agent"
    assert (lead.status, lead.attempts) == (LeadStatus.RETRY, 1)
    with pytest.raises(AgentError) as refused:
        dialing.request_hangup(db.session, user.id, call.id, MORNING)
    assert refused.value.code == dialing.CALL_OVER
    assert agent_session.state == AgentState.READY


def test_cancelling_before_the_originate_was_sent_needs_no_pbx(ctx) -> None:
    user, _, campaign, lead = held()
    call, _ = dialing.start_call(db.session, user.id, MORNING, lead_id=lead.id)
    tell_pbx, _ = dialing.request_hangup(db.session, user.id, call.id, MORNING)
    assert not tell_pbx and call.status == CallStatus.CANCEL
    assert (lead.status, lead.attempts) == (LeadStatus.NEW, 0)
    assert dialing.prepare_originate(db.session, call.id, MORNING, **TIMEOUTS) == (None, [])


def test_a_manual_call_out_is_normalised_and_checked_against_the_blacklist(ctx) -> None:
    user, agent_session = make_agent(db.session)
    call, _ = dialing.start_call(db.session, user.id, MORNING, number="0912 345 678")
    assert (call.customer_number, call.lead_id, call.campaign_id) == ("+84912345678", None, None)
    assert agent_session.state == AgentState.RINGING
    apply_port_event(
        db.session, CallEnded(at=MORNING, call_uid=call.call_uid, status="BUSY", cause=17)
    )
    blacklist(db.session, "+84987654321")
    for number, code in (
        ("0987.654.321", compliance.BLACKLISTED),
        ("hello", dialing.INVALID_NUMBER),
    ):
        with pytest.raises(AgentError) as refused:
            dialing.start_call(db.session, user.id, MORNING, number=number)
        assert refused.value.code == code


def test_a_call_needs_the_lead_the_agent_holds(ctx) -> None:
    user, _ = make_agent(db.session)
    campaign = make_campaign(db.session, agents=[user])
    lead = make_lead(db.session, campaign)
    with pytest.raises(AgentError) as refused:
        dialing.start_call(db.session, user.id, MORNING, lead_id=lead.id)
    assert refused.value.code == dialing.LEAD_NOT_HELD


def test_after_a_reconnect_calls_the_pbx_lost_are_closed(ctx) -> None:
    user, agent_session = make_agent(db.session)
    other, _ = make_agent(db.session, "agent2", "1002")
    campaign = make_campaign(db.session, agents=[user, other])
    lost_lead = make_lead(db.session, campaign)
    live_lead = make_lead(db.session, campaign, "+84912345671")
    claim(user.id, campaign.id)
    lost, _ = _start(user.id, lost_lead.id)
    apply_port_event(db.session, CallConnected(at=MORNING, call_uid=lost.call_uid))
    claim(other.id, campaign.id)
    live, _ = _start(other.id, live_lead.id)
    later = MORNING + timedelta(minutes=2)
    lost_calls.reconcile_calls(db.session, {live.call_uid}, later)
    assert (lost.state, lost.status, lost.talk_s) == (CallState.ENDED, CallStatus.ANSWER, 120)
    assert live.state == CallState.ORIGINATING
    assert agent_session.state == AgentState.READY  # no survey on this campaign


def test_a_call_lost_with_the_pbx_while_the_agent_phone_rang_still_costs_an_attempt(ctx) -> None:
    user, agent_session = make_agent(db.session)
    campaign = make_campaign(db.session, agents=[user], retry_minutes={"FAIL": 0})
    lead = make_lead(db.session, campaign)
    claim(user.id, campaign.id)
    call, _ = _start(user.id, lead.id)
    apply_port_event(db.session, CallRinging(at=MORNING, call_uid=call.call_uid, leg=Leg.AGENT))
    # The link goes; unseen, the agent answers and the customer is dialled. Then the grace ends.
    lost_calls.end_lost_call(
        db.session, call.id, MORNING, MORNING + timedelta(seconds=30), detail="PBX unreachable"
    )
    assert (call.status, call.agent_leg, call.ended_estimated) == (CallStatus.FAIL, None, True)
    # Before: no attempt (the lead kept with the agent) and the agent's phone blamed, so
    # the customer could be dialled more often than the campaign's attempts allow.
    assert (lead.status, lead.attempts, lead.claimed_by_id) == (LeadStatus.RETRY, 1, None)
    assert agent_session.state == AgentState.READY


def test_calls_that_never_heard_from_the_pbx_are_closed(ctx) -> None:
    user, agent_session = make_agent(db.session)
    call, _ = dialing.start_call(db.session, user.id, MORNING, number="0912345678")
    assert (
        lost_calls.close_stale_calls(db.session, MORNING + timedelta(seconds=30), stale_after_s=60)
        == []
    )
    lost_calls.close_stale_calls(db.session, MORNING + timedelta(seconds=61), stale_after_s=60)
    assert (call.status, call.hangup_cause_text) == (CallStatus.FAIL, "not dialled")
    assert agent_session.state == AgentState.READY


def test_reconciliation_leaves_inbound_queue_calls_to_the_inbound_module(ctx) -> None:
    user, _ = make_agent(db.session)
    inbound = calls.Call(
        call_uid="in:abc",
        direction="inbound",
        agent_id=user.id,
        customer_number="+84912345678",
        state=CallState.CONNECTED,
        created_at=MORNING,
    )
    db.session.add(inbound)
    db.session.flush()
    assert lost_calls.reconcile_calls(db.session, set(), MORNING + timedelta(minutes=5)) == []
    assert inbound.state == CallState.CONNECTED
