"""The long-running AMI listener: one per PBX, feeding port events to the domain.

It keeps the connection up (reconnecting with backoff), hands every port
event to ``handle`` from one thread and in order, and reports
ConnectionHealth: UP on the first connection, DOWN when it drops,
RECONNECTED after every reconnect, CONFIG_ERROR when the login is refused.
On UP and RECONNECTED the domain reconciles: it calls ``port.live_channels()``
and closes the calls it believes up that ended while the listener was blind.
"""

from __future__ import annotations

import threading

from dialer.telephony.ami.adapter import AmiAdapter
from dialer.telephony.ami.settings import AmiSettings
from dialer.telephony.port import EventHandler


def run_listener(
    settings: AmiSettings,
    handle: EventHandler,
    stop: threading.Event,
    *,
    adapter: AmiAdapter | None = None,
) -> None:
    """Listen until ``stop`` is set; ``adapter`` is the port ``handle`` may query (made if None)."""
    port = adapter if adapter is not None else AmiAdapter(settings)
    port.start(handle)
    try:
        # Short waits: a SIGTERM the kernel hands to another thread only runs its Python
        # handler (which sets ``stop``) once the main thread executes bytecode again.
        while not stop.wait(0.5):
            pass
    finally:
        port.stop()
