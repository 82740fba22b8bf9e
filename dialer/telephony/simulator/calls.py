"""Outgoing calls in the simulator: the Originate action's call and the Dial() application."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from dialer.telephony.simulator import amd
from dialer.telephony.simulator.channels import PEER_LEFT, PRE_HANGUP, UNKNOWN, Channel
from dialer.telephony.simulator.dialing import Dialing
from dialer.telephony.simulator.dialplan import Dialplan
from dialer.telephony.simulator.engine import NORMAL_CLEARING, Engine

DIAL_VARS = (
    "DIALSTATUS",
    "DIALEDPEERNUMBER",
    "DIALEDPEERNAME",
    "ANSWEREDTIME",
    "ANSWEREDTIME_MS",
    "DIALEDTIME",
    "DIALEDTIME_MS",
    "RINGTIME",
    "RINGTIME_MS",
    "PROGRESSTIME",
    "PROGRESSTIME_MS",
)

# OriginateResponse Reason: the last control frame seen (AST_CONTROL_*).
REASON_FAILED = 0
REASON_HANGUP = 1
REASON_RING_NO_ANSWER = 3
REASON_ANSWERED = 4
REASON_BUSY = 5
REASON_CONGESTION = 8

NO_ANSWER_CAUSE = 19


def parse_callerid(text: str) -> tuple[str, str]:
    """`"Name" <num>` / `Name <num>` / `num` into (num, name), '<unknown>' where absent."""
    text = text.strip()
    match = re.match(r'^\s*"?([^"<]*?)"?\s*<([^>]*)>\s*$', text)
    if match:
        name, num = match.group(1).strip(), match.group(2).strip()
    elif re.fullmatch(r"[+\d*#]+", text):
        name, num = "", text
    else:
        name, num = text, ""
    return (num or UNKNOWN, name or UNKNOWN)


@dataclass
class OriginateRequest:
    """What an Originate action asks for, already validated."""

    channel: str
    context: str = ""
    exten: str = ""
    priority: int = 1
    application: str = ""
    data: str = ""
    timeout: float = 30.0
    caller: tuple[str, str] | None = None
    variables: list[tuple[str, str]] = field(default_factory=list)
    channel_id: str = ""
    other_channel_id: str = ""


@dataclass
class OriginateResult:
    success: bool
    reason: int
    channel: str
    uniqueid: str
    cid_num: str
    cid_name: str


class Calls:
    """Places Local channel calls for Originate, Dial() and (through it) the queues."""

    def __init__(self, engine: Engine, dialplan: Dialplan) -> None:
        self.engine = engine
        self.dialplan = dialplan
        dialplan.dial_app = self.dial
        dialplan.amd_app = lambda chan: amd.run_amd_step(dialplan, chan)

    # -------------------------------------------------------------- Originate

    async def originate(
        self, req: OriginateRequest, on_result: Callable[[OriginateResult], None]
    ) -> None:
        """Call the channel; once answered run Context/Exten or the Application on it."""
        tech, _, data = req.channel.partition("/")
        target = data.split("/", 1)[0]
        exten, _, context = target.partition("@")
        if tech.lower() != "local" or not exten:
            on_result(self._failure(req, REASON_FAILED))
            return
        context = context or "default"
        if not self.dialplan.exists(context, exten):
            self._originate_nowhere(req, exten, context, on_result)
            return
        engine = self.engine
        one, two = engine.create_local_pair(
            exten, context, uniqueids=(req.channel_id, req.other_channel_id)
        )
        engine.newexten(one, "AppDial2", "(Outgoing Line)")
        one.sends_audio = not req.application  # an originated Wait plays nothing
        for name, value in reversed(req.variables):
            engine.set_var(one, name, value)
        self._set_callerid(one, req.caller)
        for name, value in req.variables:
            engine.set_var(two, name, value)
        self._set_callerid(two, req.caller)
        engine.local_bridge_event(one, two)
        engine.event("DialBegin", "call", one.snapshot("Dest"), [("DialString", target)])
        dialing = Dialing(
            engine,
            one,
            lambda: engine.event(
                "DialState", "call", one.snapshot("Dest"), [("DialStatus", "RINGING")]
            ),
        )
        self.dialplan.start(two)
        status, cause = await dialing.wait(engine.scale(req.timeout))
        one.dialing = None
        if status == "ANSWER" and not one.dead:
            engine.event("DialEnd", "call", one.snapshot("Dest"), [("DialStatus", "ANSWER")])
            on_result(
                OriginateResult(
                    True, REASON_ANSWERED, one.name, one.uniqueid, one.cid_num, one.cid_name
                )
            )
            self._run_originated(one, req)
            return
        on_result(self._failure(req, self._fail_originate(one, dialing, status, cause)))

    def _fail_originate(self, one: Channel, dialing: Dialing, status: str, cause: int) -> int:
        engine = self.engine
        if one.dead:
            return REASON_HANGUP
        if status in ("BUSY", "CONGESTION"):
            engine.event("DialEnd", "call", one.snapshot("Dest"), [("DialStatus", status)])
            one.dial_status = status
            engine.hangup(one, 0, soft=False)
            return REASON_BUSY if status == "BUSY" else REASON_CONGESTION
        if status == "HANGUP":
            engine.event("DialEnd", "call", one.snapshot("Dest"), [("DialStatus", "NOANSWER")])
            one.dial_status = "NOANSWER"
            engine.hangup(one, cause, soft=False)
            return REASON_FAILED
        # The Originate's own timeout: no DialEnd, the ringing channel is dropped (cause 19).
        engine.hangup(one, NO_ANSWER_CAUSE, soft=False)
        return REASON_RING_NO_ANSWER if dialing.ringing else REASON_FAILED

    def _run_originated(self, one: Channel, req: OriginateRequest) -> None:
        if req.application:
            self.engine.spawn(one, self.dialplan.run_application(one, req.application, req.data))
            return
        one.context, one.exten, one.priority = req.context, req.exten, req.priority
        self.dialplan.start(one)

    def _originate_nowhere(
        self,
        req: OriginateRequest,
        exten: str,
        context: str,
        on_result: Callable[[OriginateResult], None],
    ) -> None:
        # Local/<exten>@<missing context>: both halves exist for an instant, then fail.
        one, two = self.engine.create_local_pair(exten, context)
        self.engine.newexten(one, "AppDial2", "(Outgoing Line)")
        one.partner = two.partner = None
        self.engine.hangup(two, 0, soft=False)
        on_result(self._failure(req, REASON_FAILED))
        self.engine.hangup(one, 0, soft=False)

    def _set_callerid(self, chan: Channel, caller: tuple[str, str] | None) -> None:
        if caller is None:
            return
        if chan.name.endswith(";1"):  # the originated half learns its caller, then the line
            self.engine.set_ids(chan, caller)
            self.engine.set_connected(chan, *caller)
        else:  # the other half copies both at once
            self.engine.set_ids(chan, caller, caller)

    @staticmethod
    def _failure(req: OriginateRequest, reason: int) -> OriginateResult:
        num, name = req.caller or (UNKNOWN, UNKNOWN)
        return OriginateResult(False, reason, req.channel, "<unknown>", num, name)

    # ------------------------------------------------------------------ Dial

    async def dial(
        self, caller: Channel, exten: str, context: str, timeout_s: float, *, gosub: str = ""
    ) -> str:
        """Dial(Local/<exten>@<context>,<timeout>[,U(<gosub>)]) from a channel; DIALSTATUS."""
        engine = self.engine
        for name in DIAL_VARS:
            engine.set_var(caller, name, "")
        if not self.dialplan.exists(context, exten):
            engine.set_var(caller, "DIALSTATUS", "CHANUNAVAIL")
            return "CHANUNAVAIL"
        one, two = engine.create_local_pair(exten, context, linkedid=caller.linkedid)
        one.has_cdr = False  # the dialled channel is the caller's CDR destination
        one.sends_audio = False  # the agent's leg behind it is silent
        for name, value in caller.inheritable().items():
            one.variables[name] = value
            two.variables[name] = value
        dialed = f"{exten}@{context}"
        engine.set_var(one, "DIALEDPEERNUMBER", dialed)
        one.cid_num, one.cid_name = exten, caller.cid_name
        one.conn_num, one.conn_name = caller.cid_num, caller.cid_name
        engine.newexten(one, "AppDial", "(Outgoing Line)")
        engine.announce_ids(one)
        engine.set_var(two, "DIALEDPEERNUMBER", dialed)
        engine.set_ids(two, (caller.cid_num, caller.cid_name), (exten, caller.cid_name))
        engine.local_bridge_event(one, two)
        engine.event(
            "DialBegin", "call", caller.snapshot(), one.snapshot("Dest"), [("DialString", dialed)]
        )
        dialing = Dialing(engine, one, lambda: self._ringing(caller, one))
        cancel = self._cancel_hook(caller, one, dialing)
        caller.hooks.append(cancel)
        started = time.monotonic()
        self.dialplan.start(two)
        status, cause = await dialing.wait(engine.scale(timeout_s))
        caller.hooks.remove(cancel)
        one.dialing = None
        if status == "ANSWER" and not one.dead:
            await self._connect(caller, one, dialed, started, gosub)
        return self._dial_failed(caller, one, status, cause)

    def _ringing(self, caller: Channel, one: Channel) -> None:
        self.engine.set_var(caller, "RINGTIME", "0")
        self.engine.set_var(caller, "RINGTIME_MS", "0")
        self.engine.event(
            "DialState",
            "call",
            caller.snapshot(),
            one.snapshot("Dest"),
            [("DialStatus", "RINGING")],
        )

    def _cancel_hook(self, caller: Channel, one: Channel, dialing: Dialing):
        def cancel(phase: str, _via_partner: bool) -> None:
            if phase != PRE_HANGUP or not dialing.waiting:
                return
            dialing.future.set_result(("CANCEL", 0))
            self.engine.event(
                "DialEnd",
                "call",
                caller.snapshot(),
                one.snapshot("Dest"),
                [("DialStatus", "CANCEL")],
            )
            self.engine.set_var(caller, "DIALSTATUS", "CANCEL")
            self.engine.hangup(one, 0, soft=False)

        return cancel

    async def _connect(
        self, caller: Channel, one: Channel, dialed: str, started: float, gosub: str = ""
    ) -> None:
        engine = self.engine
        engine.set_var(caller, "DIALSTATUS", "ANSWER")
        engine.set_var(caller, "DIALEDPEERNAME", one.name)
        engine.set_var(caller, "DIALEDPEERNUMBER", dialed)
        one.exten = ""  # Asterisk blanks the dialled channel's exten once it is answered
        engine.event(
            "DialEnd", "call", caller.snapshot(), one.snapshot("Dest"), [("DialStatus", "ANSWER")]
        )
        engine.newexten(one, "AppDial", "(Outgoing Line)")
        if caller.cdr is not None:
            caller.cdr.dest = one.name

        def answered_times(phase: str, _via_partner: bool) -> None:
            # Dial() reports the call's times when the bridge ends, whichever side left.
            if phase in (PEER_LEFT, PRE_HANGUP) and answered_times in caller.hooks:
                caller.hooks.remove(answered_times)
                seconds = engine.sim_seconds(started)
                for name in ("ANSWEREDTIME", "DIALEDTIME"):
                    engine.set_var(caller, name, str(int(seconds)))
                    engine.set_var(caller, name + "_MS", str(int(seconds * 1000)))
                engine.set_var(caller, "DIALSTATUS", "ANSWER")

        caller.hooks.append(answered_times)
        if gosub and await self._pre_bridge(one, caller) == amd.ABORT:
            await asyncio.get_running_loop().create_future()  # the hangup cascade ends this task
        engine.bridge(one, caller)
        await asyncio.get_running_loop().create_future()  # the hangup cascade ends this task

    async def _pre_bridge(self, one: Channel, caller: Channel) -> str:
        """The U() subroutine on the answered callee; ABORT hangs up both legs (GOSUB_RESULT)."""
        result = await amd.run_amd_step(self.dialplan, one)
        if result == amd.ABORT:
            self.engine.hangup(one, NORMAL_CLEARING, soft=False)
            if not caller.dead:
                self.engine.hangup(caller, NORMAL_CLEARING, soft=True)
        return result

    def _dial_failed(self, caller: Channel, one: Channel, status: str, cause: int) -> str:
        engine = self.engine
        if status in ("BUSY", "CONGESTION"):
            event_status = dialstatus = status
            cause = 0
        elif status == "TIMEOUT":
            event_status = dialstatus = "NOANSWER"
            cause = 0
        else:  # the called side hung up before answering
            event_status = "NOANSWER"
            dialstatus = {17: "BUSY", 34: "CONGESTION"}.get(cause, "CHANUNAVAIL")
            caller.hangup_cause = cause
        engine.event(
            "DialEnd",
            "call",
            caller.snapshot(),
            one.snapshot("Dest"),
            [("DialStatus", event_status)],
        )
        engine.close_cdr_attempt(caller, one, event_status)
        engine.set_var(caller, "DIALSTATUS", dialstatus)
        if not one.dead:
            engine.hangup(one, cause, soft=False)
        return dialstatus
