"""Answering machines: the detector's verdict on the call, MACHINE and its retry, or the agent
told it is a machine; the Originate asks for detection only when the campaign does."""

from __future__ import annotations

from datetime import timedelta

from dialer.domain.dialing import outbound
from dialer.domain.dialing.events import apply_port_event
from dialer.domain.people import snapshots
from dialer.extensions import db
from dialer.models import AgentState, AmdAction, CallStatus, LeadStatus
from dialer.telephony.port import (
    AmdStatus,
    CallAmdResult,
    CallAnswered,
    CallConnected,
    CallEnded,
    Leg,
    Party,
)
from tests.factories.campaigns import MORNING, make_campaign
from tests.factories.leads import make_lead
from tests.factories.people import make_agent

TIMEOUTS = {"ring_timeout_s": 30, "dial_timeout_s": 30}
LATER = MORNING + timedelta(seconds=20)


def placed(**campaign):
    """A lead call of a campaign, sent to the PBX: (agent session, call, originate, lead)."""
    user, agent_session = make_agent(db.session)
    made = make_campaign(db.session, agents=[user], max_attempts=3, **campaign)
    lead = make_lead(db.session, made, "+84912345677")
    outbound.claim_next_lead(db.session, user.id, made.id, MORNING)
    call, _ = outbound.start_call(db.session, user.id, MORNING, lead_id=lead.id)
    request, _ = outbound.prepare_originate(db.session, call.id, MORNING, **TIMEOUTS)
    apply_port_event(db.session, CallAnswered(at=MORNING, call_uid=call.call_uid, leg=Leg.AGENT))
    return agent_session, call, request, lead


def verdict(call, status=AmdStatus.MACHINE):
    return apply_port_event(
        db.session,
        CallAmdResult(at=MORNING, call_uid=call.call_uid, status=status, cause="TOOLONG-5000"),
    )


def ended(call, by=Party.CUSTOMER):
    apply_port_event(
        db.session,
        CallEnded(at=LATER, call_uid=call.call_uid, status="ANSWER", cause=16, hung_up_by=by),
    )


def test_a_machine_hung_up_on_ends_machine_and_is_retried_by_the_campaign_rule(ctx) -> None:
    retries = {"BUSY": 15, "NOANSWER": 60, "FAIL": 120, "CANCEL": 30, "MACHINE": 240}
    agent_session, call, request, lead = placed(
        amd_enabled=True, amd_action=AmdAction.HANGUP, retry_minutes=retries
    )
    assert request.amd_action == "hangup"
    notices = verdict(call)
    assert notices and call.amd_status == "MACHINE"
    ended(call, by=Party.SYSTEM)  # the dialplan hung up on the machine: never connected
    assert call.status == CallStatus.MACHINE
    assert (lead.status, lead.attempts, lead.last_status) == (LeadStatus.RETRY, 1, "MACHINE")
    assert lead.next_call_at == LATER + timedelta(minutes=240)
    assert agent_session.state == AgentState.READY  # no survey for a machine


def test_a_machine_put_through_is_shown_to_the_agent_and_ends_as_answered(ctx) -> None:
    agent_session, call, request, lead = placed(amd_enabled=True, amd_action=AmdAction.AGENT)
    assert request.amd_action == "agent"
    verdict(call)
    apply_port_event(db.session, CallConnected(at=MORNING, call_uid=call.call_uid))
    shown = snapshots.snapshot(db.session, agent_session, MORNING)["call"]
    assert (shown["amd_status"], shown["is_up"]) == ("MACHINE", True)
    ended(call)
    assert call.status == CallStatus.ANSWER and lead.status == LeadStatus.DONE


def test_a_person_is_a_normal_call_and_a_second_verdict_changes_nothing(ctx) -> None:
    _agent_session, call, _request, _lead = placed(amd_enabled=True)
    verdict(call, AmdStatus.HUMAN)
    assert verdict(call, AmdStatus.MACHINE) == []
    assert call.amd_status == "HUMAN"
    ended(call)
    assert call.status == CallStatus.ANSWER


def test_without_detection_the_originate_asks_for_none(ctx) -> None:
    _agent_session, call, request, _lead = placed()
    assert request.amd_action is None
    verdict(call)  # a stray verdict (a dialplan that detects anyway) does not hang up for us
    ended(call)
    assert call.status == CallStatus.ANSWER
