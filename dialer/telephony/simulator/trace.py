"""The simulator's trace (``pbx-sim serve --trace FILE``): one JSON line, timed, for each
action received and each event sent, enough to follow one call through the PBX."""

from __future__ import annotations

import json
import time
from typing import TextIO

from dialer.telephony.simulator.wire import Request

# What a trace line keeps of an event.
_TRACED_HEADERS = frozenset(
    {"Event", "Uniqueid", "Linkedid", "ActionID", "Channel", "DialStatus", "Response"}
)


class Trace:
    """Writes the trace lines to an open text file."""

    def __init__(self, handle: TextIO) -> None:
        self.handle = handle

    def action(self, req: Request) -> None:
        """An action as it arrives: its name and ActionID."""
        line = {"t": time.time(), "action": req.action, "ActionID": req.action_id}
        self.handle.write(json.dumps(line) + "\n")

    def event(self, data: bytes) -> None:
        """An event as it leaves: its name, the call's ids and the channel."""
        line: dict[str, object] = {"t": time.time()}
        for raw in data.decode("utf-8", "replace").split("\r\n"):
            name, _sep, value = raw.partition(": ")
            if name in _TRACED_HEADERS and name not in line:
                line[name] = value
        self.handle.write(json.dumps(line) + "\n")
