"""Predictive calls on a real database: leads claimed under every compliance rule, the call
bridged to the agent the queue picked (their screen gets the lead), ABANDON when nobody came."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from dialer.domain.dialing import campaign_choice, compliance
from dialer.domain.dialing.events import apply_port_event
from dialer.domain.pacing import decision, figures, placing
from dialer.domain.people import agents
from dialer.extensions import db
from dialer.models import (
    AgentState,
    Call,
    CallState,
    CallStatus,
    CampaignStatus,
    DialMode,
    Lead,
    LeadStatus,
)
from dialer.processes.pacing import inputs_of
from dialer.telephony.port import CallAnswered, CallEnded, Leg, Party, QueueCallConnected
from tests.factories.campaigns import MORNING, blacklist, make_campaign
from tests.factories.leads import make_lead
from tests.factories.people import make_agent, make_pause_reason


def _predictive(session, *, agents_=(), **overrides):
    return make_campaign(session, agents=list(agents_), dial_mode=DialMode.PREDICTIVE, **overrides)


def _send(call_id, at=MORNING):
    request, _ = placing.prepare_originate(db.session, call_id, at, ring_timeout_s=30)
    return request


def _bridged(call, extension="1001", at=MORNING):
    return apply_port_event(
        db.session,
        QueueCallConnected(
            at=at,
            call_ref="linked-1",
            queue=call.queue,
            caller_number=call.customer_number,
            call_uid=call.call_uid,
            extension=extension,
        ),
    )


def _answered(call, at=MORNING):
    return apply_port_event(
        db.session, CallAnswered(at=at, call_uid=call.call_uid, leg=Leg.CUSTOMER)
    )


def _ended(call, at, status="ANSWER"):
    return apply_port_event(
        db.session,
        CallEnded(
            at=at, call_uid=call.call_uid, status=status, cause=16, hung_up_by=Party.CUSTOMER
        ),
    )


def test_only_leads_that_may_be_called_now_are_dialled_each_once(ctx) -> None:
    campaign = _predictive(db.session)
    good = make_lead(db.session, campaign, "+84912345671")
    make_lead(db.session, campaign, "+84912345672", timezone="America/New_York")  # 22:00 there
    make_lead(db.session, campaign, "+84912345673", attempts=3)  # out of attempts
    make_lead(db.session, campaign, "+84912345674")
    blacklist(db.session, "+84912345674")

    placed = placing.place_calls(db.session, campaign, 5, MORNING)
    again = placing.place_calls(db.session, campaign, 5, MORNING)

    assert again == []
    [call] = [db.session.get(Call, call_id) for call_id in placed]
    assert (call.lead_id, call.queue, call.state, call.agent_id) == (
        good.id,
        "support",
        CallState.QUEUED,
        None,
    )
    assert (good.status, good.claimed_by_id) == (LeadStatus.CLAIMED, None)


def test_a_preview_campaign_is_never_dialled_by_the_pacer(ctx) -> None:
    campaign = make_campaign(db.session)
    make_lead(db.session, campaign)
    assert placing.place_calls(db.session, campaign, 3, MORNING) == []
    assert placing.predictive_campaign_ids(db.session) == []


def test_a_call_is_sent_once_with_the_wait_and_the_sound_of_its_campaign(ctx) -> None:
    campaign = _predictive(db.session, abandon_sound="custom/sorry-vi", dial_queue="sales")
    make_lead(db.session, campaign)
    [call_id] = placing.place_calls(db.session, campaign, 1, MORNING)

    request = _send(call_id)

    assert (request.queue, request.abandon_after_s, request.abandon_sound) == (
        "sales",
        placing.ABANDON_AFTER_S,
        "custom/sorry-vi",
    )
    assert _send(call_id) is None  # a second sender finds it sent
    assert db.session.get(Call, call_id).state == CallState.ORIGINATING


def test_a_number_blacklisted_between_claim_and_originate_is_not_dialled(ctx) -> None:
    campaign = _predictive(db.session)
    lead = make_lead(db.session, campaign)
    [call_id] = placing.place_calls(db.session, campaign, 1, MORNING)
    blacklist(db.session, lead.phone)

    assert _send(call_id) is None
    call = db.session.get(Call, call_id)
    assert (call.status, call.hangup_cause_text) == (CallStatus.FAIL, compliance.BLACKLISTED)
    assert (lead.status, lead.attempts) == (LeadStatus.DONE, 0)


def test_the_bridged_agent_gets_the_call_and_its_lead_on_screen(ctx) -> None:
    user, agent_session = make_agent(db.session, queues=("support",))
    campaign = _predictive(db.session, agents_=[user])
    lead = make_lead(db.session, campaign)
    [call_id] = placing.place_calls(db.session, campaign, 1, MORNING)
    call = db.session.get(Call, call_id)
    _send(call_id)
    _answered(call)

    notices = _bridged(call, at=MORNING + timedelta(seconds=1))

    pushed = [n for n in notices if n.user_id == user.id and n.event == "agent"]
    assert pushed[0].data["state"] == AgentState.CONNECTED
    assert (pushed[0].data["call"]["lead_id"], pushed[0].data["call"]["campaign_id"]) == (
        lead.id,
        campaign.id,
    )
    assert (call.agent_id, agent_session.current_call_id) == (user.id, call.id)

    _ended(call, MORNING + timedelta(seconds=61))
    assert (call.status, call.talk_s) == (CallStatus.ANSWER, 61)
    assert (lead.status, lead.attempts) == (LeadStatus.DONE, 1)
    assert agent_session.state == AgentState.READY


def test_a_customer_no_agent_took_is_abandon_and_retried_by_the_campaigns_rule(ctx) -> None:
    campaign = _predictive(db.session, retry_minutes={"ABANDON": 20})
    lead = make_lead(db.session, campaign)
    [call_id] = placing.place_calls(db.session, campaign, 1, MORNING)
    call = db.session.get(Call, call_id)
    _send(call_id)
    _answered(call)

    _ended(call, MORNING + timedelta(seconds=6))

    assert call.status == CallStatus.ABANDON
    assert (lead.status, lead.attempts, lead.last_status) == (LeadStatus.RETRY, 1, "ABANDON")
    assert lead.next_call_at == MORNING + timedelta(seconds=6, minutes=20)
    today = figures.abandon_figures(db.session, campaign.id, figures.day_start(campaign, MORNING))
    assert (today.answered, today.abandoned, today.pct) == (1, 1, 100.0)


def test_a_customer_who_never_answered_is_no_abandon(ctx) -> None:
    campaign = _predictive(db.session)
    lead = make_lead(db.session, campaign)
    [call_id] = placing.place_calls(db.session, campaign, 1, MORNING)
    call = db.session.get(Call, call_id)
    _send(call_id)
    _ended(call, MORNING + timedelta(seconds=30), status="NOANSWER")
    assert (call.status, lead.status) == (CallStatus.NOANSWER, LeadStatus.RETRY)


def test_when_every_agent_pauses_the_next_tick_dials_nothing(ctx) -> None:
    users = [make_agent(db.session, f"agent{i}", f"10{i:02d}")[0] for i in range(1, 4)]
    campaign = _predictive(db.session, agents_=users)
    for i in range(10):
        make_lead(db.session, campaign, f"+8491234560{i}")
    measured = figures.measure(db.session, campaign, MORNING)
    assert measured.ready_agents == 3
    first = decision.decide(inputs_of(measured, campaign, 1.0))
    placed = placing.place_calls(db.session, campaign, first.lines, MORNING)
    assert len(placed) == 3

    for user in users:
        agent_session = agents.lock_agent_session(db.session, user.id, MORNING)
        agents.set_state(agent_session, AgentState.PAUSED, MORNING)
    measured = figures.measure(db.session, campaign, MORNING)
    chosen = decision.decide(inputs_of(measured, campaign, first.level))

    assert (measured.ready_agents, measured.lines_in_flight) == (0, 3)
    assert chosen.lines == 0
    assert placing.place_calls(db.session, campaign, chosen.lines, MORNING) == []


def test_the_abandon_rate_counts_the_campaigns_day_in_its_own_zone(ctx) -> None:
    campaign = _predictive(db.session)
    lead = make_lead(db.session, campaign)
    # 16:30 UTC the day before: 23:30 yesterday in Ho Chi Minh City.
    yesterday = MORNING.replace(hour=0) - timedelta(minutes=30)
    db.session.add(
        Call(
            call_uid="old-abandon",
            direction="outbound",
            campaign_id=campaign.id,
            lead_id=lead.id,
            customer_number=lead.phone,
            queue="support",
            state=CallState.ENDED,
            status=CallStatus.ABANDON,
            created_at=yesterday - timedelta(hours=7),
            answered_at=yesterday - timedelta(hours=7),
        )
    )
    db.session.flush()
    measured = figures.measure(db.session, campaign, MORNING)
    assert (measured.today.abandoned, measured.rolling.abandoned) == (0, 1)
    assert db.session.scalar(select(Lead.status).where(Lead.id == lead.id)) == LeadStatus.NEW


def test_an_agent_who_paused_before_the_pbx_knew_takes_the_call_and_stays_paused(ctx) -> None:
    reason = make_pause_reason(db.session)
    user, agent_session = make_agent(db.session, queues=("support",))
    campaign = _predictive(db.session, agents_=[user])
    lead = make_lead(db.session, campaign)
    [call_id] = placing.place_calls(db.session, campaign, 1, MORNING)
    call = db.session.get(Call, call_id)
    _send(call_id)
    agents.pause(db.session, user.id, reason.id, MORNING)  # the queue still rings the phone
    _answered(call)

    notices = _bridged(call, at=MORNING + timedelta(seconds=1))
    _ended(call, MORNING + timedelta(seconds=40))

    pushed = [n for n in notices if n.user_id == user.id and n.event == "agent"]
    assert pushed[0].data["call"]["lead_id"] == lead.id  # the lead is on their screen
    assert (call.status, call.agent_id) == (CallStatus.ANSWER, user.id)
    assert agent_session.state == AgentState.PAUSED
    assert figures.measure(db.session, campaign, MORNING).ready_agents == 0


def test_an_agent_on_two_predictive_campaigns_is_counted_by_one_the_one_picked_last(ctx) -> None:
    user = make_agent(db.session, "agent1", "1001")[0]
    first = _predictive(db.session, agents_=[user])
    second = _predictive(db.session, name="Renewals", agents_=[user])
    preview = make_campaign(db.session, "Callbacks", agents=[user])

    def ready() -> tuple[int, int]:
        return tuple(figures.measure(db.session, c, MORNING).ready_agents for c in (first, second))

    assert ready() == (1, 0)  # never picked: the oldest campaign
    campaign_choice.remember_campaign(db.session, user.id, second.id, MORNING)
    assert ready() == (0, 1)
    # Picking a preview campaign later takes nobody from the predictive ones.
    campaign_choice.remember_campaign(db.session, user.id, preview.id, MORNING + timedelta(1))
    assert ready() == (0, 1)
    # The picked campaign paused: the agent is the other one's again.
    second.status = CampaignStatus.PAUSED
    db.session.flush()
    assert figures.measure(db.session, first, MORNING).ready_agents == 1
