"""Progressive dialing: the next lead is claimed, counted down and dialled for the agent.

The server keeps the countdown: an early, stale, repeated or paused trigger dials nothing,
and every compliance rule of Get Lead and Call still applies.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dialer.domain.dialing import compliance, progressive
from dialer.domain.dialing.compliance import Refusal
from dialer.domain.dialing.progressive import Armed
from dialer.domain.people import agents
from dialer.domain.people.agents import AgentError
from dialer.extensions import db
from dialer.models import AgentState, Call, CallState, DialMode, Lead, LeadStatus
from tests.factories.campaigns import MORNING, blacklist, make_campaign
from tests.factories.leads import make_lead
from tests.factories.people import make_agent, make_pause_reason


def setup(countdown_s: int = 5, leads: tuple[str, ...] = ("+84912345670",), **campaign):
    user, agent_session = make_agent(db.session)
    made = make_campaign(
        db.session,
        agents=[user],
        dial_mode=DialMode.PROGRESSIVE,
        progressive_countdown_s=countdown_s,
        **campaign,
    )
    made_leads = [make_lead(db.session, made, phone) for phone in leads]
    return user, agent_session, made, made_leads


def calls_placed() -> int:
    return db.session.scalar(select(func.count()).select_from(Call))


def test_the_next_lead_is_claimed_and_dialled_once_the_countdown_is_over(ctx) -> None:
    user, agent_session, campaign, (lead,) = setup(countdown_s=5)
    armed = progressive.arm_next_call(db.session, user.id, campaign.id, MORNING)
    assert isinstance(armed, Armed) and armed.lead.id == lead.id
    assert armed.dial_at == MORNING + timedelta(seconds=5)
    assert (lead.status, lead.claimed_by_id) == (LeadStatus.CLAIMED, user.id)
    # Asked again (a reload) during the countdown: the same lead, the same end.
    again = progressive.arm_next_call(
        db.session, user.id, campaign.id, MORNING + timedelta(seconds=1)
    )
    assert isinstance(again, Armed) and again.dial_at == armed.dial_at
    with pytest.raises(AgentError) as early:
        progressive.dial_armed_call(db.session, user.id, lead.id, MORNING + timedelta(seconds=2))
    assert early.value.code == progressive.COUNTDOWN_RUNNING
    assert early.value.params["seconds"] == 3
    assert calls_placed() == 0
    call, _notices = progressive.dial_armed_call(
        db.session, user.id, lead.id, MORNING + timedelta(seconds=5)
    )
    assert (call.lead_id, call.state, call.extension) == (lead.id, CallState.QUEUED, "1001")
    assert agent_session.state == AgentState.RINGING
    # The same trigger again (a double click, a second tab) dials nothing more.
    with pytest.raises(AgentError) as twice:
        progressive.dial_armed_call(db.session, user.id, lead.id, MORNING + timedelta(seconds=6))
    assert twice.value.code == agents.WRONG_STATE
    assert calls_placed() == 1


def test_a_pause_during_the_countdown_means_no_call_even_after_ready_again(ctx) -> None:
    user, agent_session, campaign, (lead,) = setup()
    reason = make_pause_reason(db.session)
    progressive.arm_next_call(db.session, user.id, campaign.id, MORNING)
    agents.pause(db.session, user.id, reason.id, MORNING + timedelta(seconds=1))
    with pytest.raises(AgentError) as paused:
        progressive.dial_armed_call(db.session, user.id, lead.id, MORNING + timedelta(seconds=5))
    assert paused.value.code == agents.WRONG_STATE
    agents.unpause(db.session, user.id, MORNING + timedelta(seconds=6))
    # The page's old timer fires after the agent is Ready again: the countdown is gone.
    with pytest.raises(AgentError) as stale:
        progressive.dial_armed_call(db.session, user.id, lead.id, MORNING + timedelta(seconds=7))
    assert stale.value.code == progressive.NO_COUNTDOWN
    assert calls_placed() == 0
    assert agent_session.autodial_at is None


def test_stop_keeps_the_lead_on_screen_and_dials_nothing(ctx) -> None:
    user, _agent_session, campaign, (lead,) = setup()
    progressive.arm_next_call(db.session, user.id, campaign.id, MORNING)
    progressive.stop_countdown(db.session, user.id, MORNING + timedelta(seconds=1))
    with pytest.raises(AgentError) as stopped:
        progressive.dial_armed_call(db.session, user.id, lead.id, MORNING + timedelta(seconds=9))
    assert stopped.value.code == progressive.NO_COUNTDOWN
    assert (lead.status, lead.claimed_by_id) == (LeadStatus.CLAIMED, user.id)
    assert calls_placed() == 0


def test_skip_puts_the_lead_back_for_later_unused_and_arms_the_next(ctx) -> None:
    user, _agent_session, campaign, (first, second) = setup(leads=("+84912345670", "+84912345671"))
    progressive.arm_next_call(db.session, user.id, campaign.id, MORNING)
    later = MORNING + timedelta(seconds=2)
    armed = progressive.skip_armed_lead(db.session, user.id, campaign.id, later)
    assert isinstance(armed, Armed) and armed.lead.id == second.id
    assert armed.dial_at == later + timedelta(seconds=5)
    assert (first.status, first.attempts, first.claimed_by_id) == (LeadStatus.NEW, 0, None)
    assert first.next_call_at == later + timedelta(minutes=30)  # the campaign's CANCEL delay
    # The only lead skipped: nothing is due yet, and nothing is dialled.
    nothing = progressive.skip_armed_lead(db.session, user.id, campaign.id, later)
    assert isinstance(nothing, Refusal) and nothing.code == compliance.NEXT_RETRY_LATER


def test_a_lead_blacklisted_during_the_countdown_is_never_dialled(ctx) -> None:
    user, _agent_session, campaign, (lead,) = setup()
    progressive.arm_next_call(db.session, user.id, campaign.id, MORNING)
    blacklist(db.session, lead.phone)
    with pytest.raises(AgentError) as refused:
        progressive.dial_armed_call(db.session, user.id, lead.id, MORNING + timedelta(seconds=5))
    assert refused.value.code == compliance.BLACKLISTED
    assert calls_placed() == 0


def test_outside_calling_hours_nothing_is_claimed(ctx) -> None:
    user, _agent_session, campaign, (lead,) = setup()
    night = MORNING + timedelta(hours=12)  # 22:00 in Ho Chi Minh City
    got = progressive.arm_next_call(db.session, user.id, campaign.id, night)
    assert isinstance(got, Refusal) and got.code == compliance.OUTSIDE_CALLING_HOURS
    assert db.session.get(Lead, lead.id).status == LeadStatus.NEW


def test_a_preview_campaign_does_not_dial_for_the_agent(ctx) -> None:
    user, _agent_session = make_agent(db.session)
    campaign = make_campaign(db.session, agents=[user])
    make_lead(db.session, campaign)
    with pytest.raises(AgentError) as refused:
        progressive.arm_next_call(db.session, user.id, campaign.id, MORNING)
    assert refused.value.code == progressive.NOT_PROGRESSIVE
