"""What the action handlers work with: the PBX's parts and the client they answer.

The server builds both and hands them to the handlers, so the handlers never import
the server: the dependency points one way (server -> actions -> parts).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

from dialer.telephony.simulator.calls import Calls
from dialer.telephony.simulator.devices import Devices
from dialer.telephony.simulator.dialplan import Dialplan
from dialer.telephony.simulator.engine import Engine
from dialer.telephony.simulator.queues import Queues


class Client(Protocol):
    """One connected AMI client as an action handler sees it."""

    def write(self, data: bytes) -> None:
        """Send bytes to the client (unless it went away)."""

    def hold_events(self) -> None:
        """Queue events until release_events(), so a response goes first."""

    def release_events(self) -> None:
        """Send the queued events."""

    def set_event_mask(self, text: str) -> bool:
        """Apply an Events/EventMask value; True when any event class stays on."""

    def list_complete(
        self, event: str, action_id: str, items: int, *extra: tuple[str, str]
    ) -> None:
        """Close an event list with its item count."""

    def security_event(
        self, name: str, severity: str, *fields: tuple[str, str], account_last: bool = False
    ) -> None:
        """A security event about this client."""

    async def close(self) -> None:
        """Close the connection as Asterisk does after Logoff."""


@dataclass(frozen=True)
class Pbx:
    """The simulated PBX's parts and the two server services the actions need."""

    engine: Engine
    devices: Devices
    dialplan: Dialplan
    calls: Calls
    queues: Queues
    background: Callable[[Coroutine[Any, Any, Any]], asyncio.Task]
    restart: Callable[[], Awaitable[None]]
    recordings_dir: str | None = None  # where MixMonitor writes (None: it refuses)
