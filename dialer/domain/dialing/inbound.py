"""Inbound queue calls: the PBX's queue events made into call rows, agent states and screen pops.

One row per queued call (keyed by the caller's Linkedid) carries the call's
outcome (I5): COMPLETEAGENT, COMPLETECALLER, TRANSFER or ABANDON. Each offer an
agent lets ring out gets a row of its own with RINGNOANSWER, so it shows in that
agent's history while the call goes on to the next agent. An open agent session
points at the call it is being offered (``current_call_id``), which is how every
screen that rang is told when the call is taken elsewhere or ends.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.domain.contacts.directory import find_contact, number_key
from dialer.domain.dialing import caller_card
from dialer.domain.notices import Notice
from dialer.domain.people import agents, snapshots
from dialer.domain.phones import DEFAULT_REGION
from dialer.models import (
    AgentSession,
    AgentState,
    Call,
    CallState,
    CallStatus,
    Direction,
    Extension,
)
from dialer.telephony.port import (
    Party,
    QueueCallAbandoned,
    QueueCallCompleted,
    QueueCallConnected,
    QueueCallJoined,
    QueueCallOffered,
    QueueCallRingNoAnswer,
    QueueEvent,
)

COMPLETIONS = (CallStatus.COMPLETEAGENT, CallStatus.COMPLETECALLER, CallStatus.TRANSFER)
_HUNG_UP_BY = {CallStatus.COMPLETEAGENT: Party.AGENT, CallStatus.COMPLETECALLER: Party.CUSTOMER}


def apply_queue_event(
    session: Session, event: QueueEvent, *, region: str = DEFAULT_REGION
) -> list[Notice]:
    """Record a queue event on its inbound call; return what the agents' screens must be told.

    Every handler may be replayed (a listener reconnecting, an event seen
    twice) and may be the first event seen of a call; neither adds a row twice
    nor reopens an ended call.
    """
    if getattr(event, "call_uid", None):
        return []  # one of our own customer-first calls: the dialing domain owns it
    handler = _HANDLERS.get(type(event))
    if handler is None or not event.call_ref:
        return []
    return handler(session, event, region)


# ------------------------------------------------------------------ handlers


def _joined(session: Session, event: QueueCallJoined, region: str) -> list[Notice]:
    call = _queue_call(session, event, region)
    # Nobody's screen yet: only the wallboard's count of calls waiting moves.
    return [Notice(None, "queue_waiting", {"queue": call.queue or "", "call_id": call.id})]


def _offered(session: Session, event: QueueCallOffered, region: str) -> list[Notice]:
    call = _queue_call(session, event, region)
    if call.state in (CallState.ENDED, CallState.CONNECTED):
        return []
    agent = _locked_agent_on(session, event.extension, event.at)
    call.state = CallState.RINGING
    call.ringing_at = event.at
    call.extension = event.extension or None
    call.agent_id = agent.user_id if agent else None
    if agent is None:
        return []
    notices = [
        Notice(
            agent.user_id,
            "inbound_offer",
            caller_card.caller_json(
                call, event.caller_name, caller_card.lead_name_of(session, call)
            ),
        )
    ]
    return notices + _take(session, agent, call, AgentState.RINGING, event.at)


def _connected(session: Session, event: QueueCallConnected, region: str) -> list[Notice]:
    call = _queue_call(session, event, region)
    if call.state == CallState.ENDED:
        return []
    agent = _locked_agent_on(session, event.extension, event.at)
    others = [
        holder
        for holder in _locked_holders(session, call, event.at)
        if agent is None or holder.id != agent.id
    ]
    call.state = CallState.CONNECTED
    call.answered_at = event.at
    call.wait_s = event.hold_s or _seconds(call.created_at, event.at)
    call.extension = event.extension or call.extension
    call.agent_id = agent.user_id if agent else None
    notices = _release(session, call, others, event.at, reason="answered_elsewhere")
    if agent is not None:
        lead_name = caller_card.lead_name_of(session, call)
        data = caller_card.caller_json(call, event.caller_name, lead_name) | {
            "answered_at": event.at.isoformat()
        }
        notices.append(Notice(agent.user_id, "inbound_connected", data))
        notices += _take(session, agent, call, AgentState.CONNECTED, event.at)
    return notices


def _ring_no_answer(session: Session, event: QueueCallRingNoAnswer, region: str) -> list[Notice]:
    call = _queue_call(session, event, region)
    agent = _locked_agent_on(session, event.extension, event.at)
    if agent is None:
        return []
    rang_from = event.at - timedelta(seconds=event.ring_s)
    _missed_offer(session, call, agent, event.extension, rang_from, event.at)
    if call.state == CallState.RINGING and call.agent_id == agent.user_id:
        call.state = CallState.QUEUED
        call.agent_id = None
        call.extension = None
    if agent.current_call_id != call.id:
        return []
    ended = _ended_json(call, CallStatus.RINGNOANSWER)
    return [Notice(agent.user_id, "inbound_ended", ended), *_free(session, agent, event.at)]


def _completed(session: Session, event: QueueCallCompleted, region: str) -> list[Notice]:
    call = _queue_call(session, event, region)
    if call.state == CallState.ENDED:
        return []
    holders = _locked_holders(session, call, event.at)
    if call.agent_id is None:
        agent = agent_session_on(session, event.extension)
        call.agent_id = agent.user_id if agent else None
    call.extension = event.extension or call.extension
    status = event.status if event.status in COMPLETIONS else CallStatus.COMPLETEAGENT
    talk_s = event.talk_s or _seconds(call.answered_at or event.at, event.at)
    call.answered_at = call.answered_at or event.at - timedelta(seconds=talk_s)
    _finish(call, status, event.at, wait_s=event.hold_s or call.wait_s, talk_s=talk_s)
    call.hung_up_by = _HUNG_UP_BY.get(status)
    return _release(session, call, holders, event.at)


def _abandoned(session: Session, event: QueueCallAbandoned, region: str) -> list[Notice]:
    call = _queue_call(session, event, region)
    if call.state == CallState.ENDED:
        return []
    holders = _locked_holders(session, call, event.at)
    wait_s = event.hold_s or _seconds(call.created_at, event.at)
    _finish(call, CallStatus.ABANDON, event.at, wait_s=wait_s, talk_s=0)
    call.hung_up_by = Party.CUSTOMER
    return _release(session, call, holders, event.at)


_HANDLERS: dict[type[QueueEvent], Callable[[Session, Any, str], list[Notice]]] = {
    QueueCallJoined: _joined,
    QueueCallOffered: _offered,
    QueueCallConnected: _connected,
    QueueCallRingNoAnswer: _ring_no_answer,
    QueueCallCompleted: _completed,
    QueueCallAbandoned: _abandoned,
}


def reconcile_queue_calls(
    session: Session, live_linkedids: set[str], now: datetime, *, grace_s: int = 10
) -> list[Notice]:
    """Close the inbound calls we believe waiting or up that the PBX no longer has.

    Run after the listener was blind (a reconnect): the queue events of calls
    that ended meanwhile are lost, so an answered call is closed COMPLETECALLER
    and one never answered ABANDON, at the time the PBX was asked.
    """
    suspects = session.scalars(
        select(Call).where(
            Call.direction == Direction.INBOUND,
            Call.state != CallState.ENDED,
            Call.created_at < now - timedelta(seconds=grace_s),
        )
    ).all()
    notices: list[Notice] = []
    for call in suspects:
        if call.ami_linkedid in live_linkedids:
            continue
        holders = _locked_holders(session, call, now)
        if call.answered_at is not None:
            talk_s = _seconds(call.answered_at, now)
            _finish(call, CallStatus.COMPLETECALLER, now, wait_s=call.wait_s, talk_s=talk_s)
        else:
            wait_s = _seconds(call.created_at, now)
            _finish(call, CallStatus.ABANDON, now, wait_s=wait_s, talk_s=0)
        call.hangup_cause_text = "ended while the PBX link was down"
        notices += _release(session, call, holders, now)
    return notices


# ------------------------------------------------------------------- helpers


def find_queue_call(session: Session, call_ref: str) -> Call | None:
    """The inbound row of the queued call whose caller has this Linkedid."""
    return session.scalar(select(Call).where(Call.call_uid == _uid(call_ref)))


def agent_session_on(session: Session, extension: str) -> AgentSession | None:
    """The open agent session on an extension, if an agent is signed in there."""
    if not extension:
        return None
    return session.scalar(
        select(AgentSession)
        .join(Extension, AgentSession.extension_id == Extension.id)
        .where(Extension.number == extension, AgentSession.logout_at.is_(None))
        .order_by(AgentSession.login_at.desc())
        .limit(1)
    )


def _locked_agent_on(session: Session, extension: str, at: datetime) -> AgentSession | None:
    """The agent signed in on the extension, locked first (the lock order agents.py sets)."""
    found = agent_session_on(session, extension)
    return _locked(session, found.user_id, at) if found is not None else None


def _locked_holders(session: Session, call: Call, at: datetime) -> list[AgentSession]:
    """The sessions this call is ringing or up for, each locked."""
    user_ids = session.scalars(
        select(AgentSession.user_id).where(
            AgentSession.current_call_id == call.id, AgentSession.logout_at.is_(None)
        )
    ).all()
    return [locked for user_id in user_ids if (locked := _locked(session, user_id, at))]


def _locked(session: Session, user_id: int, at: datetime) -> AgentSession | None:
    try:
        return agents.lock_agent_session(session, user_id, at, is_from_agent=False)
    except agents.AgentError:  # signed out a moment ago: the call is recorded all the same
        return None


def _take(
    session: Session, agent: AgentSession, call: Call, state: AgentState, at: datetime
) -> list[Notice]:
    """The call rings or is up for the agent: their bar says so (unless busy with another call)."""
    if agent.state in agents.ON_A_CALL and agent.current_call_id not in (None, call.id):
        return []
    agent.current_call_id = call.id
    agents.set_state(agent, state, at)
    return [snapshots.agent_notice(session, agent, at)]


def _free(session: Session, agent: AgentSession, at: datetime) -> list[Notice]:
    """The agent is done with the call: Ready again, as after any call."""
    agent.current_call_id = None
    if agent.state in agents.ON_A_CALL:
        agents.set_state(agent, AgentState.READY, at)
    return [snapshots.agent_notice(session, agent, at)]


def _ended_json(call: Call, status: str | None, reason: str = "") -> dict[str, Any]:
    return {"call_id": call.id, "status": status, "reason": reason}


def _uid(*parts: str) -> str:
    # Linkedids may be longer than the column once a system name is prefixed: hash them.
    return "in:" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def _queue_call(session: Session, event: QueueEvent, region: str) -> Call:
    """The inbound row of the queued call, created from whichever event is seen first."""
    call = find_queue_call(session, event.call_ref)
    if call is not None:
        return call
    number = number_key(event.caller_number, region)
    contact = find_contact(session, number, region)
    elapsed = getattr(event, "hold_s", 0) + getattr(event, "talk_s", 0)
    call = Call(
        call_uid=_uid(event.call_ref),
        direction=Direction.INBOUND,
        queue=event.queue[:64] or None,
        customer_number=number,
        caller_id=event.caller_number[:32] or None,
        contact=contact,
        is_vip=bool(contact and contact.is_vip),
        state=CallState.QUEUED,
        created_at=event.at - timedelta(seconds=elapsed),
        ami_linkedid=event.call_ref[:40],
    )
    session.add(call)
    session.flush()
    return call


def _missed_offer(
    session: Session,
    call: Call,
    agent: AgentSession,
    extension: str,
    rang_from: datetime,
    at: datetime,
) -> None:
    """A RINGNOANSWER row in the agent's history for an offer they let ring out."""
    uid = _uid(call.ami_linkedid or "", extension, at.isoformat())
    if session.scalar(select(Call.id).where(Call.call_uid == uid)) is not None:
        return
    session.add(
        Call(
            call_uid=uid,
            direction=Direction.INBOUND,
            queue=call.queue,
            customer_number=call.customer_number,
            caller_id=call.caller_id,
            contact_id=call.contact_id,
            is_vip=call.is_vip,
            agent_id=agent.user_id,
            extension=extension,
            state=CallState.ENDED,
            status=CallStatus.RINGNOANSWER,
            created_at=rang_from,
            ringing_at=rang_from,
            ended_at=at,
            ami_linkedid=call.ami_linkedid,
        )
    )


def _finish(call: Call, status: str, at: datetime, *, wait_s: int, talk_s: int) -> None:
    call.state = CallState.ENDED
    call.status = status
    call.ended_at = at
    call.wait_s = max(0, wait_s)
    call.talk_s = max(0, talk_s)


def _release(
    session: Session,
    call: Call,
    holders: list[AgentSession],
    at: datetime,
    *,
    reason: str = "",
) -> list[Notice]:
    """Tell every agent the call rang or was up for that it has gone; they are Ready again."""
    notices: list[Notice] = []
    for holder in holders:
        notices.append(
            Notice(holder.user_id, "inbound_ended", _ended_json(call, call.status, reason))
        )
        notices += _free(session, holder, at)
    told = {holder.user_id for holder in holders}
    if not reason and call.agent_id is not None and call.agent_id not in told:
        notices.append(Notice(call.agent_id, "inbound_ended", _ended_json(call, call.status)))
    return notices


def _seconds(start: datetime | None, end: datetime) -> int:
    return max(0, int((end - start).total_seconds())) if start else 0
