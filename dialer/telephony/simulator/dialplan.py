"""The reference dialplan (docs/asterisk/extensions.conf) as the simulator runs it.

Each context is a small coroutine that executes the same priorities, with the
same application data, as the reference extensions.conf, so Newexten events and
CDRs read the same as on a real Asterisk running that file.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable

from dialer.telephony.simulator.channels import Channel
from dialer.telephony.simulator.devices import Devices, is_agent_extension
from dialer.telephony.simulator.engine import NORMAL_CLEARING, Engine
from dialer.telephony.simulator.patterns import callerid_all, callerid_num, pattern_matches

# The Dial() and Queue() applications live above the dialplan (they start channels in it);
# they plug themselves in, so the dialplan never imports them.
DialApp = Callable[..., Awaitable[str]]
"""Dial(channel, number, context, timeout, gosub="") -> DIALSTATUS; gosub is the U() option."""
QueueRun = Callable[[Channel, str, float], Awaitable[str]]
"""Queue(channel, queue, timeout) -> QUEUESTATUS."""
AmdRun = Callable[[Channel], Awaitable[str]]
"""[dialer-amd] on a channel -> GOSUB_RESULT ("" or "ABORT")."""

Script = Callable[[Channel], Awaitable[None]]

LONG_WAIT = 3600.0
MACHINE_SUFFIX = "77"  # the simulated answering machines' numbers end so
AMD_CONTEXT = "dialer-amd"
# How long the simulator "plays" a sound file (Playback): the abandon message.
PLAYBACK_S = 3.0
# Answer() returns on the first media frame: ~20 ms when the other half of the
# Local pair carries audio (ringback, queue ringing), its 500 ms limit when it
# carries none (an agent's silent leg, an originated Wait). As recorded.
ANSWER_MEDIA_WAIT = 0.02
ANSWER_NO_MEDIA_WAIT = 0.5
# A call that ends in the same instant (busy, congestion, rejection: about a
# millisecond on a real PBX) finds the answering channel still in Answer. At test
# speeds 20 ms shrinks below our own event handling, so the channel also lets the
# work already in flight run first: ordering by causality, not by the clock.
SETTLE_TURNS = 50
# An answer fault (``answer_faults``): the callee's answer is lost (it rings on until the
# caller gives up, as digit 2 does) or comes this many dialplan seconds late.
ANSWER_DELAY_S = 8.0


class Dialplan:
    """Runs channels through the reference contexts."""

    def __init__(
        self, engine: Engine, devices: Devices, *, answer_faults: float = 0.0, seed: int = 0
    ) -> None:
        if not 0.0 <= answer_faults <= 1.0:
            raise ValueError("answer_faults is a fraction between 0 and 1")
        self.engine = engine
        self.devices = devices
        self.answer_faults = answer_faults
        self._faults = random.Random(seed)  # noqa: S311 - a reproducible fault pattern
        self.dial_app: DialApp | None = None
        self.queue_app: QueueRun | None = None
        self.amd_app: AmdRun | None = None
        self.contexts: dict[str, list[tuple[str, Script]]] = {
            "sim-agent": [
                ("_1XXX", self._agent_auto_answer),
                ("_2XXX", self._agent_never_answers),
                ("_3XXX", self._agent_busy),
            ],
            "sim-callee": [("_X", self._callee), ("_X.", self._callee), ("_+X.", self._callee)],
            "sim-outcome": [(str(digit), self._outcome) for digit in range(10)],
            "dialer-bridge": [
                ("_X.", self._bridge),
                ("_+X.", self._bridge_plus),
                ("s", self._bridge_s),
            ],
            "dialer-queue": [("support", self._queue_entry), ("sales", self._queue_entry)],
            "dialer-queue-run": [("_[a-z].", self._queue_run)],
            "dialer-predictive": [
                ("support", self._predictive_entry),
                ("sales", self._predictive_entry),
            ],
            "dialer-predictive-run": [("_[a-z].", self._predictive_run)],
            "inbound": [("_X.", self._inbound)],
        }

    # ---------------------------------------------------------------- lookup

    def lookup(self, context: str, exten: str) -> Script | None:
        """The script for an extension, exact names before patterns, or None."""
        entries = self.contexts.get(context)
        if not entries:
            return None
        for pattern, script in entries:
            if pattern == exten:
                return script
        for pattern, script in entries:
            if pattern.startswith("_") and pattern_matches(pattern, exten):
                return script
        return None

    def exists(self, context: str, exten: str) -> bool:
        """ast_exists_extension() for the reference dialplan."""
        return self.lookup(context, exten) is not None

    def start(self, chan: Channel) -> None:
        """Start the channel's PBX at its context/exten, priority 1."""
        self.engine.spawn(chan, self._run(chan))

    async def _run(self, chan: Channel) -> None:
        script = self.lookup(chan.context, chan.exten)
        if script is None:
            self.engine.hangup(chan, 0, soft=False)
            return
        await script(chan)
        if not chan.dead:
            self.engine.hangup(chan, chan.hangup_cause or NORMAL_CLEARING, soft=True)

    # ------------------------------------------------------------ applications

    def step(self, chan: Channel, priority: int, app: str, data: str = "") -> None:
        """Enter a priority: Newexten with the application about to run."""
        chan.priority = priority
        self.engine.newexten(chan, app, data)

    def answer(self, chan: Channel) -> None:
        """Answer the channel: up, and the Local ;1 half learns it."""
        self.engine.answer(chan)
        self.engine.indicate(chan, "answer")

    async def answer_app(self, chan: Channel) -> None:
        """Answer(): answer, then wait for the first media frame before the next priority."""
        self.answer(chan)
        partner = chan.partner
        audio = partner is not None and partner.sends_audio
        await asyncio.sleep(self.engine.scale(ANSWER_MEDIA_WAIT if audio else ANSWER_NO_MEDIA_WAIT))
        for _turn in range(SETTLE_TURNS):
            await asyncio.sleep(0)

    async def wait(self, seconds: float) -> None:
        """Wait(n), scaled by the speed factor."""
        await self.engine.sleep(seconds)

    async def busy(self, chan: Channel, seconds: float, cause: int, what: str) -> None:
        """Busy()/Congestion(): state Busy, tell the caller, then hang up after the timeout."""
        chan.hangup_cause = cause
        self.engine.set_state(chan, 7)
        self.engine.indicate(chan, what)
        await self.wait(seconds)
        self.engine.hangup(chan, cause, soft=False)

    def hangup(self, chan: Channel, cause: int = 0) -> None:
        """Hangup([cause]): without a cause, HANGUPCAUSE or Normal Clearing."""
        if cause:
            chan.hangup_cause = cause
        self.engine.hangup(chan, chan.hangup_cause or NORMAL_CLEARING, soft=True)

    async def goto(self, chan: Channel, priority: int, context: str, exten: str) -> None:
        """Goto(context,exten,1), then run there (or hang up if it does not exist)."""
        self.step(chan, priority, "Goto", f"{context},{exten},1")
        chan.context, chan.exten, chan.priority = context, exten, 1
        script = self.lookup(context, exten)
        if script is None:
            self.engine.hangup(chan, 0, soft=True)
            return
        await script(chan)

    async def run_application(self, chan: Channel, app: str, data: str) -> None:
        """What an Originate with Application runs on the answered ;1 half."""
        chan.app, chan.appdata = app, data
        if chan.cdr is not None:
            chan.cdr.lastapp, chan.cdr.lastdata = app, data
        name = app.lower()
        if name == "wait":
            await self.wait(_seconds(data, 0.0))
        elif name in ("echo", "musiconhold", "milliwatt", "park"):
            await self.wait(LONG_WAIT)
        elif name == "playback":
            await self.wait(1.0)
        elif name == "hangup":
            self.hangup(chan, int(data) if data.isdigit() else 0)
            return
        if not chan.dead:
            self.engine.hangup(chan, chan.hangup_cause, soft=False)

    # --------------------------------------------------------------- contexts

    async def _agent_auto_answer(self, chan: Channel) -> None:
        if await self._agent_unregistered(chan):
            return
        self.step(chan, 1, "NoOp", f"sim-agent {chan.exten}: auto-answer")
        self.step(chan, 2, "Answer")
        await self.answer_app(chan)
        self.step(chan, 3, "Wait", "3600")
        await self.wait(LONG_WAIT)
        self.step(chan, 4, "Hangup")
        self.hangup(chan)

    async def _agent_never_answers(self, chan: Channel) -> None:
        if await self._agent_unregistered(chan):
            return
        self.step(chan, 1, "NoOp", f"sim-agent {chan.exten}: rings, never answers")
        self.step(chan, 2, "Ringing")
        self.engine.indicate(chan, "ringing")
        self.step(chan, 3, "Wait", "3600")
        await self.wait(LONG_WAIT)
        self.step(chan, 4, "Hangup")
        self.hangup(chan)

    async def _agent_busy(self, chan: Channel) -> None:
        if await self._agent_unregistered(chan):
            return
        self.step(chan, 1, "NoOp", f"sim-agent {chan.exten}: busy")
        self.step(chan, 2, "Busy", "10")
        await self.busy(chan, 10, 17, "busy")

    async def _agent_unregistered(self, chan: Channel) -> bool:
        # An unregistered phone cannot be reached: like a PJSIP endpoint with no contact.
        if is_agent_extension(chan.exten) and not self.devices.is_registered(chan.exten):
            self.step(chan, 1, "Hangup", "20")
            self.hangup(chan, 20)
            return True
        return False

    async def _callee(self, chan: Channel) -> None:
        # A number ending in 77 is an answering machine: it answers and records like a 7, and
        # only AMD() can tell it from a person.
        chan.is_answering_machine = chan.exten.endswith(MACHINE_SUFFIX)
        await self.goto(chan, 1, "sim-outcome", chan.exten[-1])

    async def _outcome(self, chan: Channel) -> None:
        digit = chan.exten
        if digit in "0462":
            self.step(chan, 1, "Ringing")
            self.engine.indicate(chan, "ringing")
            ring = {"0": 2, "4": 1, "6": 20, "2": 600}[digit]
            self.step(chan, 2, "Wait", str(ring))
            await self.wait(ring)
            if digit == "2" or not await self._answer_survives(chan, 3, ringing=True):
                self.step(chan, 3, "Hangup", "19")
                self.hangup(chan, 19)
                return
            self.step(chan, 3, "Answer")
            await self.answer_app(chan)
            talk = {"0": 5, "4": 3600, "6": 5}[digit]
            self.step(chan, 4, "Wait", str(talk))
            await self.wait(talk)
            self.step(chan, 5, "Hangup", "" if digit == "4" else "16")
            self.hangup(chan, 0 if digit == "4" else 16)
        elif digit in "79":
            if not await self._answer_survives(chan, 1, ringing=False):
                self.step(chan, 1, "Hangup", "19")
                self.hangup(chan, 19)
                return
            self.step(chan, 1, "Answer")
            await self.answer_app(chan)
            talk = 30 if digit == "7" else 1
            self.step(chan, 2, "Wait", str(talk))
            await self.wait(talk)
            self.step(chan, 3, "Hangup", "16")
            self.hangup(chan, 16)
        elif digit == "1":
            self.step(chan, 1, "Busy", "20")
            await self.busy(chan, 20, 17, "busy")
        elif digit == "3":
            self.step(chan, 1, "Congestion", "20")
            await self.busy(chan, 20, 34, "congestion")
        else:
            cause = 1 if digit == "5" else 21
            self.step(chan, 1, "Hangup", str(cause))
            self.hangup(chan, cause)

    async def _answer_survives(self, chan: Channel, priority: int, *, ringing: bool) -> bool:
        """An injected fault before the callee answers; False when the answer is dropped.

        With probability ``answer_faults`` the answer is dropped (the phone rings on
        until the caller's Dial timeout, then no answer) or, as often, delayed by
        ``ANSWER_DELAY_S``. Both show in the channel's dialplan steps like any ring.
        """
        if not self.answer_faults or self._faults.random() >= self.answer_faults:
            return True
        if not ringing:
            self.engine.indicate(chan, "ringing")
        dropped = self._faults.random() < 0.5
        ring = LONG_WAIT if dropped else ANSWER_DELAY_S
        self.step(chan, priority, "Wait", f"{ring:g}")
        await self.wait(ring)
        return not dropped

    async def _bridge(self, chan: Channel) -> None:
        number = chan.exten
        self.step(chan, 1, "NoOp", f"dialer-bridge: agent {callerid_num(chan)} -> {number}")
        configured = chan.get_var("DIAL_TIMEOUT") or ""
        timeout = configured if configured else "30"
        # ${IF($["${DIALER_AMD}" != ""]?,U(dialer-amd))}: the answering-machine step, when asked.
        gosub = AMD_CONTEXT if chan.get_var("DIALER_AMD") else ""
        options = f",U({gosub})" if gosub else ""
        self.step(chan, 2, "Dial", f"Local/{number}@sim-callee,{timeout}{options}")
        assert self.dial_app is not None
        status = await self.dial_app(
            chan, number, "sim-callee", _seconds(timeout, 30.0), gosub=gosub
        )
        cause = chan.hangup_cause
        self.step(chan, 3, "NoOp", f"DIALSTATUS={status} HANGUPCAUSE={cause}")
        self.step(chan, 4, "Hangup")
        self.hangup(chan)

    async def _bridge_plus(self, chan: Channel) -> None:
        await self.goto(chan, 1, "dialer-bridge", chan.exten[1:])

    async def _bridge_s(self, chan: Channel) -> None:
        await self.goto(chan, 1, "dialer-bridge", chan.get_var("NUMBER") or "")

    async def _queue_entry(self, chan: Channel) -> None:
        await self.goto(chan, 1, "dialer-queue-run", chan.exten)

    async def _queue_run(self, chan: Channel) -> None:
        queue = chan.exten
        self.step(chan, 1, "NoOp", f"dialer-queue: customer {callerid_num(chan)} -> queue {queue}")
        await self._queue_and_hang_up(chan, 2, queue)

    async def _predictive_entry(self, chan: Channel) -> None:
        await self.goto(chan, 1, "dialer-predictive-run", chan.exten)

    async def _predictive_run(self, chan: Channel) -> None:
        queue = chan.exten
        who = callerid_num(chan)
        self.step(chan, 1, "NoOp", f"dialer-predictive: customer {who} -> queue {queue}")
        detect = bool(chan.get_var("DIALER_AMD"))
        self.step(chan, 2, "GotoIf", f"{int(not detect)}?queue")
        if detect:
            # The machine check before the queue: a machine hung up on never takes an agent.
            self.step(chan, 3, "Gosub", "dialer-amd,s,1")
            assert self.amd_app is not None
            aborted = await self.amd_app(chan) == "ABORT"
            if chan.dead:
                return
            self.step(chan, 4, "GotoIf", f"{int(aborted)}?machine")
            if aborted:
                self.step(chan, 11, "Hangup")
                self.hangup(chan)
                return
        after = chan.get_var("ABANDON_AFTER") or "2"
        self.step(chan, 5, "Queue", f"{queue},r,,,{after}")
        assert self.queue_app is not None
        status = await self.queue_app(chan, queue, _seconds(after, 2.0))
        self.step(chan, 6, "NoOp", f"QUEUESTATUS={status}")
        if status == "TIMEOUT" and not chan.dead:
            condition = '$["${QUEUESTATUS}" = "TIMEOUT"]'
            self.step(chan, 7, "GotoIf", f"{condition}?abandoned")
            sound = chan.get_var("ABANDON_SOUND") or ""
            self.step(chan, 9, "Playback", sound)
            await self.wait(PLAYBACK_S)
            self.step(chan, 10, "Hangup")
        else:
            self.step(chan, 7, "GotoIf", "0?abandoned")
            self.step(chan, 8, "Hangup")
        self.hangup(chan)

    async def _inbound(self, chan: Channel) -> None:
        self.step(chan, 1, "NoOp", f"inbound: DID {chan.exten} from {callerid_all(chan)}")
        self.step(chan, 2, "Answer")
        await self.answer_app(chan)
        await self._queue_and_hang_up(chan, 3, "support")

    async def _queue_and_hang_up(self, chan: Channel, priority: int, queue: str) -> None:
        self.step(chan, priority, "Queue", f"{queue},r,,,120")
        assert self.queue_app is not None
        status = await self.queue_app(chan, queue, 120.0)
        self.step(chan, priority + 1, "NoOp", f"QUEUESTATUS={status}")
        self.step(chan, priority + 2, "Hangup")
        self.hangup(chan)


def _seconds(text: str, default: float) -> float:
    try:
        return float(text)
    except ValueError:
        return default
