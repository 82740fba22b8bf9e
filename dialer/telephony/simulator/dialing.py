"""Waiting on outgoing calls: an outgoing channel's progress, and cancellation-safe waits."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol

from dialer.telephony.simulator.channels import Channel


class ChannelControl(Protocol):
    """What a dialing needs of the engine (the engine satisfies it; no import back)."""

    loop: asyncio.AbstractEventLoop

    def hangup(self, chan: Channel, cause: int, *, soft: bool) -> None:
        """Hang a channel up."""

    def set_state(self, chan: Channel, state: int) -> None:
        """Move a channel to a new state."""

    def answer(self, chan: Channel) -> None:
        """Answer a channel."""


async def wait_future(future: asyncio.Future, timeout: float | None) -> bool:
    """Wait for a future without cancelling it; True when it is done.

    Unlike asyncio.wait_for on Python 3.11, a cancellation of the waiting task is
    never swallowed when the future completes at the same moment: a channel torn
    down mid-wait must not run one more dialplan step.
    """
    if future.done():
        return True
    done, _pending = await asyncio.wait({future}, timeout=timeout)
    return bool(done)


class Signal:
    """Wakes everyone waiting on it at each notify(); unlike an Event it never stays set."""

    def __init__(self) -> None:
        self._future: asyncio.Future[None] | None = None

    def notify(self) -> None:
        """Wake the current waiters."""
        future, self._future = self._future, None
        if future is not None and not future.done():
            future.set_result(None)

    async def wait(self, timeout: float) -> None:
        """Until the next notify(), or the timeout."""
        if self._future is None:
            self._future = asyncio.get_running_loop().create_future()
        await wait_future(self._future, max(timeout, 0.0))


class Dialing:
    """An outgoing channel being called: resolves on answer, busy, congestion or hangup."""

    def __init__(
        self, engine: ChannelControl, chan: Channel, on_ringing: Callable[[], None] | None = None
    ):
        self.engine = engine
        self.chan = chan
        self.on_ringing = on_ringing
        self.ringing = False
        self.future: asyncio.Future[tuple[str, int]] = engine.loop.create_future()
        chan.dialing = self

    @property
    def waiting(self) -> bool:
        """True until an outcome is known."""
        return not self.future.done()

    def signal(self, what: str, cause: int = 0) -> None:
        """Progress reported by the called side (through the Local channel pair)."""
        if not self.waiting:
            if what == "hangup" and not self.chan.dead:
                self.engine.hangup(self.chan, cause, soft=False)
            return
        if what == "ringing":
            if not self.ringing:
                self.ringing = True
                self.engine.set_state(self.chan, 5)
                if self.on_ringing:
                    self.on_ringing()
            return
        if what == "answer":
            self.engine.answer(self.chan)
            self.future.set_result(("ANSWER", 0))
        elif what == "busy":
            self.future.set_result(("BUSY", 17))
        elif what == "congestion":
            self.future.set_result(("CONGESTION", 34))
        elif what == "hangup":
            self.future.set_result(("HANGUP", cause))

    async def wait(self, timeout: float | None) -> tuple[str, int]:
        """The outcome, or ('TIMEOUT', 0) when nobody answered in time."""
        if not await wait_future(self.future, timeout):
            self.future.set_result(("TIMEOUT", 0))
        return self.future.result()
