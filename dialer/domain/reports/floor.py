"""The wallboard (A5, M5): each signed-in agent, counts by state, calls waiting per queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from dialer.domain.people.agents import DISCONNECTED_REASON
from dialer.models import (
    AgentSession,
    AgentState,
    Call,
    CallState,
    Campaign,
    Direction,
    Lead,
    LeadStatus,
    User,
)

# The counts on top, in the order the wallboard shows them.
COUNTED_STATES = (
    AgentState.READY,
    AgentState.PAUSED,
    AgentState.RINGING,
    AgentState.CONNECTED,
    AgentState.WRAPUP,
    AgentState.UNAVAILABLE,
)


@dataclass(frozen=True)
class AgentRow:
    user_id: int
    agent_id: str
    name: str
    extension: str
    state: str
    since: datetime
    in_state_s: int
    pause_reason: str
    pause_reason_vi: str
    campaign: str
    number: str  # the customer on the line, when a call is up
    # No heartbeat from the agent's screen for longer than the timeout (or paused for it).
    is_screen_gone: bool
    # The lead this agent held went back to the campaign while they were away.
    is_lead_released: bool = False


@dataclass(frozen=True)
class QueueWait:
    queue: str
    waiting: int
    longest_s: int


@dataclass(frozen=True)
class Floor:
    counts: dict[str, int]
    queues: list[QueueWait]
    rows: list[AgentRow]


def floor_now(session: Session, now: datetime, heartbeat_timeout_s: int) -> Floor:
    """Who is signed in and in which state, the counts by state, and the inbound calls waiting."""
    rows = agent_rows(session, now, heartbeat_timeout_s)
    counts = {str(state): 0 for state in COUNTED_STATES}
    for row in rows:
        counts[row.state] = counts.get(row.state, 0) + 1
    return Floor(counts=counts, queues=queue_waits(session, now), rows=rows)


def agent_rows(session: Session, now: datetime, heartbeat_timeout_s: int) -> list[AgentRow]:
    """Every open agent session, by agent id, with the campaign it is working."""
    sessions = session.scalars(
        select(AgentSession)
        .join(User, User.id == AgentSession.user_id)
        .where(AgentSession.logout_at.is_(None))
        .options(joinedload(AgentSession.user), joinedload(AgentSession.extension))
        .options(joinedload(AgentSession.pause_reason))
        .order_by(User.username)
    ).all()
    calls = _current_calls(session, [s.current_call_id for s in sessions if s.current_call_id])
    held = _held_campaigns(session, [s.user_id for s in sessions])
    gone_before = now - timedelta(seconds=heartbeat_timeout_s)
    result = []
    for s in sessions:
        call = calls.get(s.current_call_id or 0)
        reason = s.pause_reason if s.state == AgentState.PAUSED else None
        result.append(
            AgentRow(
                user_id=s.user_id,
                agent_id=s.user.username,
                name=s.user.display_name,
                extension=s.extension.number,
                state=s.state,
                since=s.state_since,
                in_state_s=max(0, int((now - s.state_since).total_seconds())),
                pause_reason=reason.name if reason else "",
                pause_reason_vi=(reason.name_vi or reason.name) if reason else "",
                campaign=(call[1] if call and call[1] else held.get(s.user_id, "")),
                number=call[0] if call and call[2] else "",
                is_screen_gone=s.last_heartbeat_at < gone_before
                or (reason is not None and reason.code == DISCONNECTED_REASON),
                is_lead_released=s.lead_released_at is not None,
            )
        )
    return result


def queue_waits(session: Session, now: datetime) -> list[QueueWait]:
    """Inbound calls not yet answered, per queue, with how long the oldest has waited."""
    rows = session.execute(
        select(Call.queue, func.count(), func.min(Call.created_at))
        .where(
            Call.direction == Direction.INBOUND,
            Call.state.in_((CallState.QUEUED, CallState.RINGING)),
        )
        .group_by(Call.queue)
        .order_by(Call.queue)
    ).all()
    return [
        QueueWait(queue or "", int(count), max(0, int((now - oldest).total_seconds())))
        for queue, count, oldest in rows
    ]


def _current_calls(session: Session, call_ids: list[int]) -> dict[int, tuple[str, str, bool]]:
    if not call_ids:
        return {}
    found = session.execute(
        select(Call.id, Call.customer_number, Campaign.name, Call.state)
        .outerjoin(Campaign, Campaign.id == Call.campaign_id)
        .where(Call.id.in_(call_ids))
    )
    return {
        cid: (number, name or "", state != CallState.ENDED) for cid, number, name, state in found
    }


def _held_campaigns(session: Session, user_ids: list[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    found = session.execute(
        select(Lead.claimed_by_id, Campaign.name)
        .join(Campaign, Campaign.id == Lead.campaign_id)
        .where(Lead.claimed_by_id.in_(user_ids), Lead.status == LeadStatus.CLAIMED)
    )
    return {user_id: name for user_id, name in found}
