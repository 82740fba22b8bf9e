"""An answered customer of a predictive campaign meets the agent the queue picked.

The PBX's queue bridges the customer to a free member and says which extension
took them. The call becomes that agent's call the moment it is bridged: their
bar turns to "connected" and their screen gets the lead and its survey through
the same live update as any other call. A customer no agent takes within the
wait the dialplan allows is an abandoned call (``calls.is_abandoned``).
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.domain.dialing import inbound
from dialer.domain.notices import Notice, campaign_changed
from dialer.domain.people import agents, snapshots
from dialer.domain.people.agents import AgentError
from dialer.models import AgentSession, AgentState, Call, CallState
from dialer.telephony.port import QueueCallConnected, QueueEvent


def apply_queue_event(session: Session, event: QueueEvent) -> list[Notice]:
    """Queue events of the dialer's own customer-first calls; inbound calls go to ``inbound``."""
    if not event.call_uid:
        return inbound.apply_queue_event(session, event)
    if isinstance(event, QueueCallConnected):
        return on_bridged(session, event)
    return []


def on_bridged(session: Session, event: QueueCallConnected) -> list[Notice]:
    """The queue bridged our customer to an agent: the call is theirs from now on.

    A repeated event, or one for a call already ended, changes nothing.
    """
    agent_id = _agent_on(session, event.extension)
    if agent_id is not None:
        _lock_agent(session, agent_id, event.at)
    call_id = session.scalar(select(Call.id).where(Call.call_uid == event.call_uid))
    if call_id is None:
        return []
    call = session.get_one(Call, call_id, with_for_update=True, populate_existing=True)
    if call.state == CallState.ENDED or call.agent_id is not None:
        return []
    call.agent_id = agent_id
    call.extension = event.extension or None
    call.answered_at = call.answered_at or event.at
    call.state = CallState.CONNECTED
    notices = [campaign_changed(call.campaign_id)] if call.campaign_id else []
    agent_session = _open_session(session, agent_id)
    if agent_session is None:
        return notices
    return [*notices, *_take(session, agent_session, call, event.at)]


def _take(session: Session, agent_session: AgentSession, call: Call, at: datetime) -> list[Notice]:
    """The agent's bar: connected, on this call (with its lead and survey).

    Should the product think the agent busy with another call, the phone says
    otherwise (the queue only rings a free member): the bar follows the phone.
    An agent who paused a moment before the PBX heard of it gets the call (it
    is on their phone) but stays paused, so the call's end does not make them
    Ready and the dialer does not dial for them again.
    """
    agent_session.current_call_id = call.id
    if agent_session.state != AgentState.PAUSED:
        agents.set_state(agent_session, AgentState.CONNECTED, at)
    return [snapshots.agent_notice(session, agent_session, at)]


def _agent_on(session: Session, extension: str) -> int | None:
    found = inbound.agent_session_on(session, extension)
    return found.user_id if found is not None else None


def _lock_agent(session: Session, user_id: int, at: datetime) -> None:
    # The lock order of ``agents``: the agent's session before the call. Signed out a
    # moment ago: the call still records who took it.
    with contextlib.suppress(AgentError):
        agents.lock_agent_session(session, user_id, at, is_from_agent=False)


def _open_session(session: Session, user_id: int | None) -> AgentSession | None:
    if user_id is None:
        return None
    return session.scalar(
        select(AgentSession).where(
            AgentSession.user_id == user_id, AgentSession.logout_at.is_(None)
        )
    )
