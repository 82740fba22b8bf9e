"""One table from each telephony port event to the small handler that applies it.

The AMI listener calls :func:`apply_port_event` inside a transaction for every
event, commits, then publishes the returned notices. An event type with no row
is ignored (the PBX says much that the product does not need).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from dialer.domain import agents, calls
from dialer.domain.notices import Notice
from dialer.telephony.port import (
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
    # The agent's device (A2: extension unavailable).
    ExtensionStateChanged: agents.apply_extension_state,
    # Inbound queue calls (I1-I5): the Queue* rows are added below, all to
    # dialer/domain/inbound.py's apply_queue_event.
}

try:
    import dialer.domain.inbound as inbound
except ModuleNotFoundError as missing:  # until the inbound module lands beside this one
    if missing.name != "dialer.domain.inbound":
        raise
    inbound = None  # type: ignore[assignment]
if inbound is not None:
    for queue_event in (
        QueueCallJoined,
        QueueCallOffered,
        QueueCallConnected,
        QueueCallRingNoAnswer,
        QueueCallCompleted,
        QueueCallAbandoned,
    ):
        HANDLERS[queue_event] = inbound.apply_queue_event


def apply_port_event(session: Session, event: PortEvent) -> list[Notice]:
    """Apply one PBX event to the database; the notices to publish once it commits."""
    handler = HANDLERS.get(type(event))
    return handler(session, event) if handler is not None else []
