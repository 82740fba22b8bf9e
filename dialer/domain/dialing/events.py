"""One table from each telephony port event to the small handler that applies it.

The AMI listener calls :func:`apply_port_event` inside a transaction for every
event, commits, then publishes the returned notices. An event type with no row
is ignored (the PBX says much that the product does not need).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from dialer.domain.dialing import calls, inbound
from dialer.domain.notices import Notice
from dialer.domain.pacing import bridging
from dialer.domain.people import agents
from dialer.telephony.port import (
    CallAmdResult,
    CallAnswered,
    CallConnected,
    CallEnded,
    CallRinging,
    ExtensionStateChanged,
    PortEvent,
    QueueCallAbandoned,
    QueueCallCompleted,
    QueueCallConnected,
    QueueCallJoined,
    QueueCallOffered,
    QueueCallRingNoAnswer,
)

Handler = Callable[[Session, Any], list[Notice]]

HANDLERS: dict[type[PortEvent], Handler] = {
    # Outbound calls (dialing, O1-O4).
    CallRinging: calls.on_ringing,
    CallAnswered: calls.on_answered,
    CallConnected: calls.on_connected,
    CallEnded: calls.on_ended,
    CallAmdResult: calls.on_amd_result,
    # The agent's device (A2: extension unavailable).
    ExtensionStateChanged: agents.apply_extension_state,
    # Inbound queue calls (I1-I5).
    QueueCallJoined: inbound.apply_queue_event,
    QueueCallOffered: inbound.apply_queue_event,
    # Our own customer-first calls (predictive) become the agent's call when bridged.
    QueueCallConnected: bridging.apply_queue_event,
    QueueCallRingNoAnswer: inbound.apply_queue_event,
    QueueCallCompleted: inbound.apply_queue_event,
    QueueCallAbandoned: inbound.apply_queue_event,
}


def apply_port_event(session: Session, event: PortEvent) -> list[Notice]:
    """Apply one PBX event to the database; the notices to publish once it commits."""
    handler = HANDLERS.get(type(event))
    return handler(session, event) if handler is not None else []
