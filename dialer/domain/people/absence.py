"""Agents who left or whose screen vanished: the leads they hold go back to the campaign.

An agent whose screen went silent is paused as "disconnected" by the sweep
(``agents.pause_silent_agents``) and keeps the session; after
``DIALER_HELD_LEAD_RELEASE_S`` of that pause the lead they held is given back,
so nobody else waits on it, and the wallboard row says so.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.domain.notices import Notice
from dialer.domain.people import agents
from dialer.models import AgentSession, AgentState, Lead, LeadStatus, PauseReason


def release_vanished_agents_leads(
    session: Session, now: datetime, release_after_s: int
) -> list[Notice]:
    """Give back the leads of agents paused as "disconnected" for ``release_after_s`` or more.

    The agent stays signed in (and paused); the wallboard row says the lead went back.
    """
    cutoff = now - timedelta(seconds=release_after_s)
    holders = list(
        session.scalars(
            select(AgentSession.user_id)
            .join(PauseReason, PauseReason.id == AgentSession.pause_reason_id)
            .join(Lead, (Lead.claimed_by_id == AgentSession.user_id))
            .where(
                AgentSession.logout_at.is_(None),
                AgentSession.state == AgentState.PAUSED,
                AgentSession.state_since <= cutoff,
                PauseReason.code == agents.DISCONNECTED_REASON,
                Lead.status == LeadStatus.CLAIMED,
            )
            .distinct()
        )
    )
    notices: list[Notice] = []
    for user_id in holders:
        agent_session = agents.lock_agent_session(session, user_id, now, is_from_agent=False)
        # Looked at again under the lock: the agent may have come back meanwhile.
        reason = agent_session.pause_reason
        if (
            agent_session.state != AgentState.PAUSED
            or reason is None
            or reason.code != agents.DISCONNECTED_REASON
            or agent_session.state_since > cutoff
        ):
            continue
        if agents.release_claims(session, user_id):
            agent_session.lead_released_at = now
            notices.append(agents.agent_notice(session, agent_session, now))
    return notices


def release_orphan_claims(session: Session) -> int:
    """Give back leads held by agents who are no longer signed in."""
    holders = session.scalars(
        select(Lead.claimed_by_id)
        .where(Lead.status == LeadStatus.CLAIMED, Lead.claimed_by_id.is_not(None))
        .where(
            ~select(AgentSession.id)
            .where(
                AgentSession.user_id == Lead.claimed_by_id,
                AgentSession.logout_at.is_(None),
            )
            .exists()
        )
        .distinct()
    ).all()
    return sum(agents.release_claims(session, holder) for holder in holders if holder is not None)
