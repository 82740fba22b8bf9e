"""The agent's bar as every screen draws it: state, timers, queues, current call."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialer.domain.notices import Notice
from dialer.models import (
    ActivityKind,
    AgentActivity,
    AgentSession,
    AgentState,
    Call,
    CallState,
    Lead,
    LeadStatus,
    Queue,
    QueueMember,
    User,
)


def agent_notice(session: Session, agent_session: AgentSession, now: datetime) -> Notice:
    """The live update carrying the agent's whole bar, as the desktop draws it."""
    return Notice(agent_session.user_id, "agent", snapshot(session, agent_session, now))


def snapshot(session: Session, agent_session: AgentSession, now: datetime) -> dict[str, Any]:
    """State, extension, queues, timers' start points, pause reason and current call."""
    reason = agent_session.pause_reason
    call = (
        session.get(Call, agent_session.current_call_id) if agent_session.current_call_id else None
    )
    return {
        "user_id": agent_session.user_id,
        "session_id": agent_session.id,
        "agent_id": agent_session.user.username,
        "name": agent_session.user.display_name,
        "state": agent_session.state,
        "state_since": agent_session.state_since.isoformat(),
        "login_at": agent_session.login_at.isoformat(),
        "now": now.isoformat(),
        "extension": agent_session.extension.number,
        "queues": queue_names(session, agent_session.user_id),
        "worked_s": worked_seconds(session, agent_session, now),
        "pause_reason": None
        if reason is None or agent_session.state != AgentState.PAUSED
        else {"id": reason.id, "code": reason.code, "name": reason.name, "name_vi": reason.name_vi},
        "call": call_view(call),
        "lead_released_at": agent_session.lead_released_at.isoformat()
        if agent_session.lead_released_at
        else None,
        # Progressive dialing: when the held lead will be dialled (None: no countdown).
        "autodial_at": agent_session.autodial_at.isoformat() if agent_session.autodial_at else None,
        "lead_id": session.scalar(
            select(Lead.id).where(
                Lead.claimed_by_id == agent_session.user_id, Lead.status == LeadStatus.CLAIMED
            )
        ),
    }


def call_view(call: Call | None) -> dict[str, Any] | None:
    """A call as the desktop shows it."""
    if call is None:
        return None
    return {
        "id": call.id,
        "direction": call.direction,
        "state": call.state,
        "status": call.status,
        "number": call.customer_number,
        "lead_id": call.lead_id,
        "campaign_id": call.campaign_id,
        "created_at": call.created_at.isoformat(),
        "answered_at": call.answered_at.isoformat() if call.answered_at else None,
        "ended_at": call.ended_at.isoformat() if call.ended_at else None,
        "ended_estimated": bool(call.ended_estimated),
        "talk_s": call.talk_s,
        "hung_up_by": call.hung_up_by,
        "agent_leg": call.agent_leg,
        "disposition_id": call.disposition_id,
        "cause": call.hangup_cause_text,
        "amd_status": call.amd_status,
        "is_up": call.state != CallState.ENDED,
    }


def queue_names(session: Session, user_id: int) -> list[str]:
    """The inbound queues the agent belongs to, by name."""
    return list(
        session.scalars(
            select(Queue.name)
            .join(QueueMember, QueueMember.queue_id == Queue.id)
            .where(QueueMember.user_id == user_id)
            .order_by(Queue.name)
        )
    )


def worked_seconds(session: Session, agent_session: AgentSession, now: datetime) -> int:
    """Time signed in since login, pauses excluded."""
    paused = session.execute(
        select(
            func.coalesce(func.sum(AgentActivity.duration_s), 0),
            func.min(AgentActivity.started_at).filter(AgentActivity.ended_at.is_(None)),
        ).where(
            AgentActivity.session_id == agent_session.id,
            AgentActivity.kind == ActivityKind.PAUSE,
        )
    ).one()
    closed, open_since = paused
    if open_since is not None and open_since.tzinfo is None:
        open_since = open_since.replace(tzinfo=now.tzinfo)
    open_s = (now - open_since).total_seconds() if open_since is not None else 0
    total = (now - agent_session.login_at).total_seconds() - int(closed) - open_s
    return max(0, int(total))


def signed_in_agents(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Every open agent session's bar, by agent id (the wallboard's rows)."""
    sessions = session.scalars(
        select(AgentSession)
        .join(User, User.id == AgentSession.user_id)
        .where(AgentSession.logout_at.is_(None))
        .order_by(User.username)
    )
    return [snapshot(session, agent_session, now) for agent_session in sessions]
