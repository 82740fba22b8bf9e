"""The wallboard's floor: counts by state, calls waiting, campaigns, vanished screens."""

from __future__ import annotations

from datetime import timedelta

from dialer.domain.dialing import outbound as dialing
from dialer.domain.dialing.events import apply_port_event
from dialer.domain.dialing.inbound import apply_queue_event
from dialer.domain.people import agents
from dialer.domain.reports import floor
from dialer.extensions import db
from dialer.models import AgentState
from dialer.telephony.port import CallConnected, QueueCallJoined
from tests.factories.campaigns import MORNING, make_campaign
from tests.factories.leads import make_lead
from tests.factories.people import make_agent, make_pause_reason


def test_the_floor_counts_states_and_names_each_agents_campaign(ctx) -> None:
    on_call, _ = make_agent(db.session, "agent1", "1001")
    holder, _ = make_agent(db.session, "agent2", "1002")
    pauser, _ = make_agent(db.session, "agent3", "1003")
    make_agent(db.session, "agent4", "1004")
    make_pause_reason(db.session)
    campaign = make_campaign(db.session, "Tết survey", agents=[on_call, holder])
    lead = make_lead(db.session, campaign, "+84912345671")
    make_lead(db.session, campaign, "+84912345672")
    dialing.claim_next_lead(db.session, on_call.id, campaign.id, MORNING)
    call, _ = dialing.start_call(db.session, on_call.id, MORNING, lead_id=lead.id)
    dialing.prepare_originate(db.session, call.id, MORNING, ring_timeout_s=30, dial_timeout_s=30)
    apply_port_event(db.session, CallConnected(at=MORNING, call_uid=call.call_uid))
    dialing.claim_next_lead(db.session, holder.id, campaign.id, MORNING)
    reason = make_pause_reason(db.session, "coffee", "Coffee", name_vi="Cà phê")
    agents.pause(db.session, pauser.id, reason.id, MORNING)
    db.session.flush()

    now = MORNING + timedelta(seconds=75)
    board = floor.floor_now(db.session, now, heartbeat_timeout_s=600)
    assert board.counts == {
        "ready": 2,
        "paused": 1,
        "ringing": 0,
        "connected": 1,
        "wrapup": 0,
        "unavailable": 0,
    }
    rows = {row.agent_id: row for row in board.rows}
    assert [r.agent_id for r in board.rows] == ["agent1", "agent2", "agent3", "agent4"]
    assert (rows["agent1"].campaign, rows["agent1"].number) == ("Tết survey", "+84912345671")
    assert (rows["agent2"].campaign, rows["agent2"].number) == ("Tết survey", "")
    assert rows["agent4"].campaign == ""
    assert rows["agent3"].state == AgentState.PAUSED
    assert (rows["agent3"].pause_reason, rows["agent3"].pause_reason_vi) == ("Coffee", "Cà phê")
    # Time in state is a duration: 75 s since the pause, whatever the clock says.
    assert rows["agent3"].in_state_s == 75
    assert not any(row.is_screen_gone for row in board.rows)


def test_a_silent_screen_is_marked_gone(ctx) -> None:
    make_agent(db.session, "agent1", "1001")
    later = MORNING + timedelta(seconds=31)
    board = floor.floor_now(db.session, later, heartbeat_timeout_s=30)
    assert [row.is_screen_gone for row in board.rows] == [True]
    board = floor.floor_now(db.session, MORNING + timedelta(seconds=29), heartbeat_timeout_s=30)
    assert [row.is_screen_gone for row in board.rows] == [False]


def test_calls_waiting_per_queue_with_the_longest_wait(ctx) -> None:
    for ref, queue, offset in (("a", "support", 0), ("b", "support", 50), ("c", "sales", 20)):
        apply_queue_event(
            db.session,
            QueueCallJoined(
                at=MORNING + timedelta(seconds=offset),
                call_ref=ref,
                queue=queue,
                caller_number="0912345678",
            ),
        )
    db.session.flush()
    waits = floor.queue_waits(db.session, MORNING + timedelta(seconds=90))
    assert waits == [
        floor.QueueWait("sales", 1, 70),
        floor.QueueWait("support", 2, 90),
    ]
