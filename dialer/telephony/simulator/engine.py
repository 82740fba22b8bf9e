"""The PBX core of the simulator: channels, their events, bridges and the hangup cascade.

Everything here runs on the simulator's event loop thread. A hangup is torn down
synchronously, emitting each channel's events in the order a real Asterisk 22
emits them for that channel (see the AMI transcripts); across channels the order
is not strict on a real PBX either.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

from dialer.telephony.simulator.channels import (
    BEGIN,
    PEER_LEFT,
    POST,
    PRE_HANGUP,
    Bridge,
    CdrRecord,
    Channel,
    cdr_headers,
    unanswered_disposition,
)
from dialer.telephony.simulator.dialing import Dialing
from dialer.telephony.simulator.wire import Headers, cause_text, encode

Publisher = Callable[[str, bytes], None]

NORMAL_CLEARING = 16
SOFT_EXPLICIT = 16
SOFT_SHUTDOWN = 4


class Engine:
    """Channel registry, event emission and the rules of hangup propagation."""

    def __init__(
        self,
        speed: float,
        publish: Publisher,
        wants: Callable[[str], bool] | None = None,
        channel_vars: tuple[str, ...] = (),
    ) -> None:
        self.speed = speed
        self.channel_vars = channel_vars
        self.publish = publish
        self.wants = wants or (lambda _cls: True)
        self.loop = asyncio.get_running_loop()
        self.channels: dict[str, Channel] = {}
        self.started = time.time()
        self._seq = 0
        self._local_seq = 0
        self._device_listeners: list[Callable[[str], None]] = []
        # While shutting down, a bridge keeps its last party until that one hangs up too.
        self.shutting_down = False

    # ------------------------------------------------------------------ time

    def scale(self, seconds: float) -> float:
        """Real seconds for a dialplan duration, after the speed factor."""
        return seconds * self.speed

    def sim_seconds(self, since: float) -> float:
        """Simulated seconds elapsed since a monotonic moment."""
        return (time.monotonic() - since) / self.speed

    async def sleep(self, seconds: float) -> None:
        """Wait a dialplan duration (scaled)."""
        await asyncio.sleep(self.scale(seconds))

    # ----------------------------------------------------------------- events

    def emit(self, cls: str, headers: Headers) -> None:
        """Send one event of a class to every session that reads that class."""
        if self.wants(cls):
            self.publish(cls, encode(headers))

    def event(self, name: str, cls: str, *blocks: Headers) -> None:
        """Emit an event made of blocks of headers."""
        if not self.wants(cls):
            return
        headers: Headers = [("Event", name), ("Privilege", f"{cls},all")]
        for block in blocks:
            headers.extend(block)
        self.publish(cls, encode(headers))

    def chan_event(self, name: str, chan: Channel, *extra: tuple[str, str], cls: str = "call"):
        """Emit an event about one channel (its snapshot first, then extra headers)."""
        if self.wants(cls):
            self.event(name, cls, chan.snapshot(), list(extra))

    # ------------------------------------------------------------- channels

    def new_uniqueid(self) -> str:
        """`<epoch>.<sequence>`, as Asterisk without systemname."""
        self._seq += 1
        return f"{int(time.time())}.{self._seq}"

    def create_local_pair(
        self,
        exten: str,
        context: str,
        linkedid: str | None = None,
        uniqueids: tuple[str, str] = ("", ""),
    ) -> tuple[Channel, Channel]:
        """Create `Local/<exten>@<context>-<n>;1` and `;2` with consecutive Uniqueids."""
        self._local_seq += 1
        base = f"Local/{exten}@{context}-{self._local_seq:08x}"
        uid1 = uniqueids[0] or self.new_uniqueid()
        uid2 = uniqueids[1] or self.new_uniqueid()
        link = linkedid or uid1
        names = {"linkedid": link, "context": context, "exten": exten}
        one = Channel(base + ";1", uid1, manager_vars=self.channel_vars, **names)
        two = Channel(base + ";2", uid2, manager_vars=self.channel_vars, **names)
        two.state = 4
        one.partner, two.partner = two, one
        one.cdr = CdrRecord(start=one.created_wall)
        two.cdr = CdrRecord(start=two.created_wall)
        if context == "sim-agent":
            one.agent_ext = two.agent_ext = exten
        for chan in (one, two):
            self.channels[chan.name] = chan
            self.chan_event("Newchannel", chan)
        if one.agent_ext:
            self._device_changed(one.agent_ext)
        return one, two

    def local_bridge_event(self, one: Channel, two: Channel) -> None:
        """LocalBridge: the two halves of a Local channel are now linked."""
        self.event(
            "LocalBridge",
            "call",
            one.snapshot("LocalOne"),
            two.snapshot("LocalTwo"),
            [("Context", two.context), ("Exten", two.exten), ("LocalOptimization", "Yes")],
        )

    def set_state(self, chan: Channel, state: int) -> None:
        """Change the channel state and say so (Newstate)."""
        if chan.state != state and not chan.dead:
            chan.state = state
            self.chan_event("Newstate", chan)
            if chan.agent_ext:
                self._device_changed(chan.agent_ext)

    def answer(self, chan: Channel) -> None:
        """The channel is up: Newstate 6, and the CDR answer time."""
        if chan.answered is None:
            chan.answered = time.monotonic()
            chan.answered_wall = time.time()
            if chan.cdr is not None and chan.cdr.answer is None:
                chan.cdr.answer = chan.answered_wall
        self.set_state(chan, 6)

    def newexten(self, chan: Channel, app: str, data: str = "") -> None:
        """The channel executes the next dialplan step (Newexten)."""
        chan.app, chan.appdata = app, data
        if chan.cdr is not None:
            chan.cdr.lastapp, chan.cdr.lastdata = app, data
        if self.wants("dialplan"):
            self.chan_event(
                "Newexten",
                chan,
                ("Extension", chan.exten),
                ("Application", app),
                ("AppData", data),
                cls="dialplan",
            )

    def set_var(self, chan: Channel, name: str, value: str, quiet: bool = False) -> None:
        """Set a channel variable (VarSet unless inherited silently)."""
        chan.variables[name] = value
        if not quiet and self.wants("dialplan"):
            self.chan_event("VarSet", chan, ("Variable", name), ("Value", value), cls="dialplan")

    def set_ids(
        self, chan: Channel, caller: tuple[str, str], connected: tuple[str, str] | None = None
    ) -> None:
        """Set the caller (and connected line) at once, then say so."""
        chan.cid_num, chan.cid_name = caller
        if connected is not None:
            chan.conn_num, chan.conn_name = connected
        self.announce_ids(chan, connected=connected is not None)

    def announce_ids(self, chan: Channel, connected: bool = True) -> None:
        """NewCallerid, then NewConnectedLine, for ids already set on the channel."""
        self.chan_event(
            "NewCallerid", chan, ("CID-CallingPres", "0 (Presentation Allowed, Not Screened)")
        )
        if connected:
            self.set_connected(chan, chan.conn_num, chan.conn_name)

    def set_connected(self, chan: Channel, num: str, name: str) -> None:
        """NewConnectedLine."""
        chan.conn_num, chan.conn_name = num, name
        self.chan_event("NewConnectedLine", chan)

    def indicate(self, chan: Channel, what: str) -> None:
        """A Local ;2 half signals ringing/answer/busy/congestion to whoever dials its ;1."""
        one = chan.partner
        if one is None or one.dead:
            return
        if what == "answer" and one.answered is None and one.dialing is None:
            self.answer(one)
            return
        dialing = one.dialing
        if isinstance(dialing, Dialing):
            dialing.signal(what)

    def spawn(self, chan: Channel, coro: Coroutine[Any, Any, None]) -> None:
        """Run the channel's dialplan; tearing the channel down cancels it."""
        chan.is_pbx = True
        chan.task = self.loop.create_task(coro)

    # ----------------------------------------------------------------- bridges

    def bridge(self, first: Channel, second: Channel) -> Bridge:
        """Put two answered channels in a basic bridge (BridgeCreate, BridgeEnter x2)."""
        bridge = Bridge()
        self.event("BridgeCreate", "call", bridge.headers())
        for chan in (first, second):
            bridge.channels.append(chan)
            chan.bridge = bridge
            self.event("BridgeEnter", "call", bridge.headers(), chan.snapshot())
        for chan, peer in ((first, second), (second, first)):
            self.set_var(chan, "BRIDGEPEER", peer.name)
        return bridge

    def _leave_bridge(self, chan: Channel) -> Channel | None:
        """BridgeLeave; when one party is left, it leaves too and the bridge is destroyed."""
        bridge = chan.bridge
        if bridge is None:
            return None
        for member in bridge.channels:
            if member.variables.get("BRIDGEPEER"):
                self.set_var(member, "BRIDGEPEER", "")
        bridge.channels.remove(chan)
        chan.bridge = None
        self.event("BridgeLeave", "call", bridge.headers(), chan.snapshot())
        if not bridge.channels:
            self.event("BridgeDestroy", "call", bridge.headers())
            return None
        if len(bridge.channels) != 1 or self.shutting_down:
            return None
        remaining = bridge.channels.pop()
        remaining.bridge = None
        self.event("BridgeLeave", "call", bridge.headers(), remaining.snapshot())
        self.event("BridgeDestroy", "call", bridge.headers())
        return remaining

    # ------------------------------------------------------------------ hangup

    def hangup(
        self,
        chan: Channel,
        cause: int,
        *,
        soft: bool,
        via_partner: bool = False,
        soft_cause: int = SOFT_EXPLICIT,
    ) -> None:
        """Tear a channel down now, with its partner and bridge peer after it."""
        if chan.dead or chan.dying:
            return
        chan.dying = True
        chan.run_hooks(BEGIN, via_partner)
        peer = self._leave_bridge(chan)
        if soft:
            self.chan_event("SoftHangupRequest", chan, ("Cause", str(soft_cause)))
        chan.run_hooks(PRE_HANGUP, via_partner)
        partner = chan.partner
        if partner is not None and (partner.dead or partner.dying):
            partner = None
        if partner is not None:
            self.chan_event("HangupRequest", partner, ("Cause", str(cause)))
        if chan.hangup_cause == 0:
            chan.hangup_cause = cause
        self.chan_event("Hangup", chan, ("Cause", str(cause)), ("Cause-txt", cause_text(cause)))
        self._bury(chan)
        chan.run_hooks(POST, via_partner)
        if peer is not None:
            peer.run_hooks(PEER_LEFT, False)
            self.hangup(peer, NORMAL_CLEARING, soft=peer.is_pbx)
        if partner is not None:
            self._partner_hung_up(partner, cause)

    def _partner_hung_up(self, chan: Channel, cause: int) -> None:
        """The other half of a Local pair is gone: a queued hangup reaches this one."""
        dialing = chan.dialing
        if isinstance(dialing, Dialing) and dialing.waiting:
            dialing.signal("hangup", cause)  # its dialer decides what to say and hangs it up
            return
        if chan.bridge is not None:
            cause = NORMAL_CLEARING
        elif chan.is_pbx and chan.hangup_cause:
            cause = chan.hangup_cause
        self.hangup(chan, cause, soft=chan.is_pbx, via_partner=True)

    def _bury(self, chan: Channel) -> None:
        chan.dead = True
        self.channels.pop(chan.name, None)
        dialing = chan.dialing
        if isinstance(dialing, Dialing) and dialing.waiting:
            dialing.future.set_result(("GONE", chan.hangup_cause))
        task = chan.task
        if task is not None and task is not asyncio.current_task():
            task.cancel()
        self._post_cdrs(chan)
        if chan.agent_ext:
            self._device_changed(chan.agent_ext)

    def _post_cdrs(self, chan: Channel) -> None:
        record = chan.cdr
        if not chan.has_cdr or record is None:
            return
        now = time.time()
        record.end = now
        if not record.disposition:
            record.disposition = "ANSWERED" if record.answer else unanswered_disposition(chan)
        for done in [*chan.cdr_done, record]:
            self.emit("cdr", cdr_headers(chan, done, self.speed))

    def close_cdr_attempt(self, chan: Channel, dest: Channel, status: str) -> None:
        """A Dial/Queue attempt from this channel failed: keep its CDR, start a new one."""
        record = chan.cdr
        if record is None:
            return
        record.dest = dest.name
        record.end = time.time()
        record.disposition = status if status in ("BUSY", "CONGESTION") else "NO ANSWER"
        chan.cdr_done.append(record)
        chan.cdr = CdrRecord(
            start=record.end if chan.answered_wall else record.start,
            answer=chan.answered_wall,
            lastapp=record.lastapp,
            lastdata=record.lastdata,
        )

    # ------------------------------------------------------------- devices

    def watch_devices(self, listener: Callable[[str], None]) -> None:
        """Call `listener(extension)` whenever an agent device may have changed state."""
        self._device_listeners.append(listener)

    def _device_changed(self, ext: str) -> None:
        for listener in self._device_listeners:
            listener(ext)

    def agent_channels(self, ext: str) -> list[Channel]:
        """Live channels of the agent device `Local/<ext>@sim-agent`."""
        return [c for c in self.channels.values() if c.agent_ext == ext]
