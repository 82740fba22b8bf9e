"""Agent states: pause with a reason, unpause, heartbeat auto-pause, device state, sign-out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from dialer.domain.people import absence, agents, snapshots
from dialer.domain.people.agents import AgentError
from dialer.extensions import db
from dialer.models import (
    ActivityKind,
    AgentActivity,
    AgentSession,
    AgentState,
    Lead,
    LeadStatus,
    Role,
)
from dialer.telephony.port import ExtensionState, ExtensionStateChanged
from tests.factories.campaigns import MORNING, make_campaign
from tests.factories.leads import make_lead
from tests.factories.people import make_agent, make_pause_reason, make_user


def test_a_pause_needs_a_reason_from_the_list(ctx) -> None:
    user, _ = make_agent(db.session)
    system = make_pause_reason(db.session, "disconnected", "Disconnected", is_system=True)
    hidden = make_pause_reason(db.session, "old", "Old reason", is_enabled=False)
    with pytest.raises(AgentError) as refused:
        agents.pause(db.session, user.id, None, MORNING)
    assert refused.value.code == agents.REASON_REQUIRED
    for reason in (system, hidden):
        with pytest.raises(AgentError) as refused:
            agents.pause(db.session, user.id, reason.id, MORNING)
        assert refused.value.code == agents.UNKNOWN_REASON
    assert agents.pausable_reasons(db.session) == []


def test_pause_then_unpause_logs_the_reason_and_duration(ctx) -> None:
    user, agent_session = make_agent(db.session)
    lunch = make_pause_reason(db.session)
    notices = agents.pause(db.session, user.id, lunch.id, MORNING)
    assert agent_session.state == AgentState.PAUSED
    assert notices[0].user_id == user.id
    assert notices[0].data["pause_reason"]["code"] == "lunch"
    later = MORNING + timedelta(minutes=12, seconds=5)
    agents.unpause(db.session, user.id, later)
    assert agent_session.state == AgentState.READY
    pause = db.session.scalar(select(AgentActivity).where(AgentActivity.kind == ActivityKind.PAUSE))
    assert (pause.pause_reason_id, pause.duration_s) == (lunch.id, 725)
    # Time worked leaves the pause out.
    snapshot = snapshots.snapshot(db.session, agent_session, later + timedelta(minutes=1))
    assert snapshot["worked_s"] == 60


def test_a_paused_agent_may_change_the_reason(ctx) -> None:
    user, agent_session = make_agent(db.session)
    lunch = make_pause_reason(db.session)
    meeting = make_pause_reason(db.session, "meeting", "Meeting")
    agents.pause(db.session, user.id, lunch.id, MORNING)
    agents.pause(db.session, user.id, meeting.id, MORNING + timedelta(minutes=5))
    pauses = db.session.scalars(
        select(AgentActivity).where(AgentActivity.kind == ActivityKind.PAUSE)
    ).all()
    assert [(p.pause_reason_id, p.duration_s) for p in pauses] == [
        (lunch.id, 300),
        (meeting.id, None),
    ]


def test_an_agent_on_a_call_cannot_pause(ctx) -> None:
    user, agent_session = make_agent(db.session)
    agent_session.state = AgentState.CONNECTED
    with pytest.raises(AgentError) as refused:
        agents.pause(db.session, user.id, make_pause_reason(db.session).id, MORNING)
    assert refused.value.code == agents.WRONG_STATE


def test_silence_past_the_timeout_pauses_with_reason_disconnected(ctx) -> None:
    quiet, quiet_session = make_agent(db.session, "quiet", "1001")
    alive, alive_session = make_agent(db.session, "alive", "1002")
    busy, busy_session = make_agent(db.session, "busy", "1003")
    busy_session.state = AgentState.CONNECTED
    agents.record_heartbeat(db.session, alive.id, MORNING + timedelta(seconds=25))
    notices = agents.pause_silent_agents(db.session, MORNING + timedelta(seconds=31), 30)
    db.session.expire_all()
    assert [n.user_id for n in notices] == [quiet.id]
    quiet_session = db.session.get(AgentSession, quiet_session.id)
    assert quiet_session.state == AgentState.PAUSED
    assert quiet_session.pause_reason.code == agents.DISCONNECTED_REASON
    assert db.session.get(AgentSession, alive_session.id).state == AgentState.READY
    assert db.session.get(AgentSession, busy_session.id).state == AgentState.CONNECTED
    # A second sweep changes nothing more; the live screen goes on being trusted.
    assert agents.pause_silent_agents(db.session, MORNING + timedelta(seconds=50), 30) == []


def test_heartbeats_written_together_keep_their_agents_and_name_who_left(ctx) -> None:
    first, _ = make_agent(db.session, "first", "1001")
    second, _ = make_agent(db.session, "second", "1002")
    gone, gone_session = make_agent(db.session, "gone", "1003")
    gone_session.logout_at = MORNING
    db.session.flush()
    beat_at = MORNING + timedelta(seconds=25)
    alive = agents.record_heartbeats(db.session, [first.id, second.id, gone.id, first.id], beat_at)
    assert alive == {first.id, second.id}
    assert agents.record_heartbeats(db.session, [], beat_at) == set()
    notices = agents.pause_silent_agents(db.session, MORNING + timedelta(seconds=31), 30)
    assert notices == []  # both beat 6 s ago: neither is taken for an empty chair


def test_an_unregistered_extension_blocks_the_agent_until_it_returns(ctx) -> None:
    user, agent_session = make_agent(db.session)
    down = ExtensionStateChanged(at=MORNING, extension="1001", state=ExtensionState.UNAVAILABLE)
    notices = agents.apply_extension_state(db.session, down)
    assert agent_session.state == AgentState.UNAVAILABLE
    assert notices[0].data["state"] == AgentState.UNAVAILABLE
    with pytest.raises(AgentError) as refused:
        agents.require_state(agent_session, AgentState.READY)
    assert refused.value.code == agents.EXTENSION_UNAVAILABLE
    up = ExtensionStateChanged(at=MORNING, extension="1001", state=ExtensionState.AVAILABLE)
    agents.apply_extension_state(db.session, up)
    assert agent_session.state == AgentState.READY


def test_a_pause_survives_the_device_dropping_out(ctx) -> None:
    user, agent_session = make_agent(db.session)
    agents.pause(db.session, user.id, make_pause_reason(db.session).id, MORNING)
    for state in (ExtensionState.UNAVAILABLE, ExtensionState.AVAILABLE):
        agents.apply_extension_state(
            db.session, ExtensionStateChanged(at=MORNING, extension="1001", state=state)
        )
    assert agent_session.state == AgentState.PAUSED


def test_a_forced_sign_out_ends_the_session_and_tells_the_agent(ctx) -> None:
    user, agent_session = make_agent(db.session)
    boss = make_user(db.session, "boss", role=Role.SUPERVISOR)
    campaign = make_campaign(db.session, agents=[user])
    lead = make_lead(db.session, campaign, status=LeadStatus.CLAIMED, claimed_by_id=user.id)
    version = user.session_version
    notices = agents.force_sign_out(db.session, boss, user.id, MORNING)
    assert agent_session.logout_at == MORNING
    assert user.session_version == version + 1
    assert (notices[0].user_id, notices[0].event) == (user.id, "forced_logout")
    assert db.session.get(Lead, lead.id).status == LeadStatus.NEW
    forced = db.session.scalar(
        select(AgentActivity).where(AgentActivity.kind == ActivityKind.FORCED_LOGOUT)
    )
    assert forced.actor_id == boss.id


def test_leads_held_by_agents_who_left_go_back(ctx) -> None:
    gone, _ = make_agent(db.session, "gone", "1001", signed_in=False)
    here, _ = make_agent(db.session, "here", "1002")
    campaign = make_campaign(db.session, agents=[gone, here])
    orphan = make_lead(db.session, campaign, status=LeadStatus.CLAIMED, claimed_by_id=gone.id)
    kept = make_lead(
        db.session, campaign, "+84912345671", status=LeadStatus.CLAIMED, claimed_by_id=here.id
    )
    assert absence.release_orphan_claims(db.session) == 1
    assert (orphan.status, kept.status) == (LeadStatus.NEW, LeadStatus.CLAIMED)


def test_the_snapshot_lists_the_agents_queues(ctx) -> None:
    _user, agent_session = make_agent(db.session, queues=("support", "sales"))
    snapshot = snapshots.snapshot(db.session, agent_session, MORNING)
    assert snapshot["queues"] == ["sales", "support"]
    assert snapshot["extension"] == "1001"
    assert snapshot["state"] == AgentState.READY
