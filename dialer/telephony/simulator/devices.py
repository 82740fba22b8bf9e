"""Agent devices of the simulator: extension state, registration, ExtensionStatus events.

The reference dialplan has no hints, so a real Asterisk with it answers
ExtensionState with -1. The simulator behaves as if every agent extension
(1XXX, 2XXX, 3XXX in [sim-agent]) had a hint on its own device, so the product's
agent-state code can be exercised: 1XXX and 2XXX idle, 3XXX busy, in use or
ringing while a call is up, Unavailable when "unregistered".
"""

from __future__ import annotations

import re
from collections.abc import Callable

from dialer.telephony.simulator.engine import Engine
from dialer.telephony.simulator.wire import EXTENSION_STATE_TEXT

AGENT_CONTEXT = "sim-agent"
AGENT_EXTEN = re.compile(r"^[123]\d{3}$")

# Device states (AST_DEVICE_*) as queue members report them.
DEVICE_NOT_INUSE = 1
DEVICE_INUSE = 2
DEVICE_UNAVAILABLE = 5

# Extension states (AST_EXTENSION_*).
EXT_NOT_FOUND = -1
EXT_IDLE = 0
EXT_INUSE = 1
EXT_BUSY = 2
EXT_UNAVAILABLE = 4
EXT_RINGING = 8


def is_agent_extension(exten: str) -> bool:
    """True for the agent extensions the reference dialplan knows (_1XXX, _2XXX, _3XXX)."""
    return bool(AGENT_EXTEN.match(exten))


def agent_interface(exten: str) -> str:
    """The queue member interface of an agent extension."""
    return f"Local/{exten}@{AGENT_CONTEXT}"


class Devices:
    """Registration and state of agent extensions, with change notifications."""

    def __init__(self, engine: Engine, hints: bool = True) -> None:
        self.engine = engine
        self.hints = hints
        self._unregistered: set[str] = set()
        self._ext_state: dict[str, int] = {}
        self._dev_state: dict[str, int] = {}
        self._listeners: list[Callable[[str, int], None]] = []
        engine.watch_devices(self.refresh)

    def on_device_state(self, listener: Callable[[str, int], None]) -> None:
        """Call `listener(extension, device_state)` when an agent device changes state."""
        self._listeners.append(listener)

    def is_registered(self, exten: str) -> bool:
        """False once an extension was marked unregistered."""
        return exten not in self._unregistered

    def set_registered(self, exten: str, registered: bool) -> None:
        """Simulate the agent's phone registering or going away."""
        if registered:
            self._unregistered.discard(exten)
        else:
            self._unregistered.add(exten)
        self.refresh(exten)

    def device_state(self, exten: str) -> int:
        """AST_DEVICE_* of Local/<exten>@sim-agent: in use while any of its channels exists."""
        if not self.is_registered(exten):
            return DEVICE_UNAVAILABLE
        return DEVICE_INUSE if self.engine.agent_channels(exten) else DEVICE_NOT_INUSE

    def extension_state(self, exten: str, context: str = AGENT_CONTEXT) -> int:
        """AST_EXTENSION_* for the ExtensionState action (-1 for no such hint)."""
        if context != AGENT_CONTEXT or not is_agent_extension(exten) or not self.hints:
            return EXT_NOT_FOUND
        if not self.is_registered(exten):
            return EXT_UNAVAILABLE
        if exten.startswith("3"):
            return EXT_BUSY
        channels = self.engine.agent_channels(exten)
        if any(chan.is_up for chan in channels):
            return EXT_INUSE
        if channels:
            return EXT_RINGING
        return EXT_IDLE

    def hint(self, exten: str, context: str = AGENT_CONTEXT) -> str:
        """The hint text the simulator pretends to have for an extension."""
        if self.extension_state(exten, context) == EXT_NOT_FOUND:
            return ""
        return agent_interface(exten)

    def refresh(self, exten: str) -> None:
        """Recompute one extension; announce what changed."""
        dev = self.device_state(exten)
        if self._dev_state.get(exten, DEVICE_NOT_INUSE) != dev:
            self._dev_state[exten] = dev
            for listener in self._listeners:
                listener(exten, dev)
        state = self.extension_state(exten)
        if state == EXT_NOT_FOUND:
            return
        previous = self._ext_state.get(exten, EXT_BUSY if exten.startswith("3") else EXT_IDLE)
        if previous != state:
            self._ext_state[exten] = state
            self.engine.event(
                "ExtensionStatus",
                "call",
                [
                    ("Exten", exten),
                    ("Context", AGENT_CONTEXT),
                    ("Hint", agent_interface(exten)),
                    ("Status", str(state)),
                    ("StatusText", EXTENSION_STATE_TEXT.get(state, "Unknown")),
                ],
            )
