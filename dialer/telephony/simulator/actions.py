"""AMI actions of the simulator: one small handler per action, in a table (no if/elif chain).

Response texts are Asterisk 22's own (manager.c, app_queue.c), so a client that
works here reads the same words from a real PBX.
"""

from __future__ import annotations

import asyncio
import inspect
import re
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from dialer.telephony.simulator.calls import OriginateRequest, OriginateResult, parse_callerid
from dialer.telephony.simulator.channels import Channel
from dialer.telephony.simulator.recording import Recorder
from dialer.telephony.simulator.status_actions import StatusActions
from dialer.telephony.simulator.wire import (
    EXTENSION_STATE_TEXT,
    Request,
    encode,
    error,
    list_start,
    response,
    success,
)

if TYPE_CHECKING:
    from dialer.telephony.simulator.parts import Client, Pbx

Handler = Callable[["Client", Request], Awaitable[None] | None]

TRUE_WORDS = {"yes", "true", "y", "t", "1", "on"}


def is_true(text: str) -> bool:
    """ast_true(): yes/true/y/t/1/on."""
    return text.strip().lower() in TRUE_WORDS


def split_variables(values: list[str]) -> list[tuple[str, str]]:
    """Variable headers as Asterisk reads them: each may hold several a=b, comma-separated."""
    pairs = []
    for value in values:
        for item in value.split(","):
            name, sep, val = item.partition("=")
            if sep and name.strip():
                pairs.append((name.strip(), val))
    return pairs


class Actions(StatusActions):
    """Dispatches client actions to handlers; the session calls `handle`."""

    def __init__(self, pbx: Pbx) -> None:
        super().__init__(pbx)
        self.table: dict[str, Handler] = {
            "ping": self.ping,
            "logoff": self.logoff,
            "events": self.events,
            "originate": self.originate,
            "hangup": self.hangup,
            "getvar": self.getvar,
            "setvar": self.setvar,
            "queueadd": self.queue_add,
            "queueremove": self.queue_remove,
            "queuepause": self.queue_pause,
            "extensionstate": self.extension_state,
            "command": self.command,
            "coreshowchannels": self.core_show_channels,
            "status": self.status,
            "queuestatus": self.queue_status,
            "queuesummary": self.queue_summary,
            "listcommands": self.list_commands,
            "mixmonitor": Recorder(pbx.recordings_dir, self.find_channel).mixmonitor,
        }

    async def handle(self, session: Client, req: Request) -> None:
        """Run one action for an authenticated session."""
        action = req.action
        if not action:
            session.write(error(req.action_id, "Missing action in request"))
            return
        handler = self.table.get(action.lower())
        if handler is None:
            session.write(
                error(
                    req.action_id,
                    f"Invalid/unknown command: {action}. "
                    "Use Action: ListCommands to show available commands.",
                )
            )
            session.security_event(
                "RequestBadFormat", "Error", ("RequestType", f"Action: {action}"), account_last=True
            )
            return
        result = handler(session, req)
        if inspect.isawaitable(result):
            await result

    # ----------------------------------------------------------------- basics

    def ping(self, session: Client, req: Request) -> None:
        """Ping: Pong with the server time."""
        session.write(
            encode(
                response(
                    "Success", req.action_id, ("Ping", "Pong"), ("Timestamp", f"{time.time():.6f}")
                )
            )
        )

    async def logoff(self, session: Client, req: Request) -> None:
        """Logoff: Goodbye, then the socket closes."""
        session.write(
            encode(response("Goodbye", req.action_id, ("Message", "Thanks for all the fish.")))
        )
        await session.close()

    def events(self, session: Client, req: Request) -> None:
        """Events: switch this session's events on, off, or to some classes."""
        on = session.set_event_mask(req.get("EventMask"))
        session.write(encode(response("Success", req.action_id, ("Events", "On" if on else "Off"))))

    def list_commands(self, session: Client, req: Request) -> None:
        """ListCommands: the actions this simulator answers."""
        fields = [(name, f"{name} (Priv: all)") for name in sorted(self.table)]
        session.write(encode(response("Success", req.action_id, *fields)))

    # ----------------------------------------------------------------- calls

    async def originate(self, session: Client, req: Request) -> None:
        """Originate: async answers at once, sync once the call is up or failed."""
        parsed = self._originate_request(req)
        if isinstance(parsed, str):
            session.write(error(req.action_id, parsed))
            return
        calls = self.pbx.calls
        if is_true(req.get("Async")):
            session.write(success(req.action_id, "Originate successfully queued"))
            self.pbx.background(
                calls.originate(
                    parsed, lambda r: self._originate_response(req.action_id, parsed, r)
                )
            )
            return
        # Synchronous: the session is blocked and its events held until the outcome.
        loop = asyncio.get_running_loop()
        done: asyncio.Future[OriginateResult] = loop.create_future()
        session.hold_events()
        try:
            task = self.pbx.background(
                calls.originate(parsed, lambda r: done.done() or done.set_result(r))
            )
            await asyncio.wait({task, done}, return_when=asyncio.FIRST_COMPLETED)
            if done.done() and done.result().success:
                session.write(success(req.action_id, "Originate successfully queued"))
            else:
                session.write(error(req.action_id, "Originate failed"))
        finally:
            session.release_events()

    def _originate_request(self, req: Request) -> OriginateRequest | str:
        channel = req.get("Channel").strip()
        if not channel:
            return "Channel not specified"
        priority_text = req.get("Priority").strip()
        priority = 0
        if priority_text:
            if not priority_text.isdigit():
                return "Invalid priority"
            priority = int(priority_text)
        timeout_text = req.get("Timeout").strip()
        if timeout_text and not re.fullmatch(r"-?\d+", timeout_text):
            return "Invalid timeout"
        if "/" not in channel:
            return "Invalid channel"
        context, exten = req.get("Context").strip(), req.get("Exten").strip()
        application = req.get("Application").strip()
        if priority and not self.pbx.dialplan.exists(context, exten):
            return "Extension does not exist."
        caller_text = req.get("CallerID").strip()
        return OriginateRequest(
            channel=channel,
            context=context or "default",
            exten=exten or "s",
            priority=priority or 1,
            application=application,
            data=req.get("Data"),
            timeout=(int(timeout_text) if timeout_text else 30000) / 1000.0,
            caller=parse_callerid(caller_text) if caller_text else None,
            variables=split_variables(req.get_all("Variable")),
            channel_id=req.get("ChannelId").strip(),
            other_channel_id=req.get("OtherChannelId").strip(),
        )

    def _originate_response(self, action_id: str, req: OriginateRequest, result: OriginateResult):
        fields = [("ActionID", action_id)] if action_id else []
        fields += [
            ("Response", "Success" if result.success else "Failure"),
            ("Channel", result.channel),
        ]
        if req.application:
            fields += [("Application", req.application), ("Data", req.data)]
        else:
            fields += [("Context", req.context), ("Exten", req.exten)]
        fields += [
            ("Reason", str(result.reason)),
            ("Uniqueid", result.uniqueid),
            ("CallerIDNum", result.cid_num),
            ("CallerIDName", result.cid_name),
        ]
        self.pbx.engine.event("OriginateResponse", "call", fields)

    def hangup(self, session: Client, req: Request) -> None:
        """Hangup by channel name, Uniqueid, or /regex/ (then a list of what was hung up)."""
        name = req.get("Channel").strip()
        if not name:
            session.write(error(req.action_id, "No channel specified"))
            return
        cause_text = req.get("Cause").strip()
        cause = int(cause_text) if cause_text.isdigit() else 0
        engine = self.pbx.engine
        if len(name) > 1 and name.startswith("/") and name.endswith("/"):
            self._hangup_matching(session, req, name[1:-1], cause or 16)
            return
        chan = self.find_channel(name)
        if chan is None:
            session.write(error(req.action_id, "No such channel"))
            return
        session.write(success(req.action_id, "Channel Hungup"))
        engine.hangup(chan, cause or 16, soft=True)

    def _hangup_matching(self, session: Client, req: Request, regex: str, cause: int) -> None:
        try:
            pattern = re.compile(regex)
        except re.error:
            session.write(error(req.action_id, f"Regex compile failed on: /{regex}/"))
            return
        engine = self.pbx.engine
        targets = [c for c in engine.channels.values() if pattern.search(c.name)]
        session.write(list_start(req.action_id, "Channels hung up will follow"))
        tail = [("ActionID", req.action_id)] if req.action_id else []
        for chan in targets:
            session.write(encode([("Event", "ChannelHungup"), ("Channel", chan.name), *tail]))
        session.list_complete("ChannelsHungupListComplete", req.action_id, len(targets))
        for chan in targets:
            engine.hangup(chan, cause, soft=True)

    # ------------------------------------------------------------ variables

    def _variable_request(self, session: Client, req: Request) -> tuple[str, Channel | None] | None:
        """The variable and channel of a Getvar/Setvar, or None once refused."""
        variable = req.get("Variable").strip()
        if not variable:
            session.write(error(req.action_id, "No variable specified"))
            return None
        name = req.get("Channel").strip()
        if not name:
            return variable, None  # a global variable: none are set in the reference dialplan
        chan = self.find_channel(name)
        if chan is None:
            session.write(error(req.action_id, "No such channel"))
            return None
        return variable, chan

    def getvar(self, session: Client, req: Request) -> None:
        """Getvar: a channel variable (empty when unset)."""
        target = self._variable_request(session, req)
        if target is None:
            return
        variable, chan = target
        value = self.read_variable(chan, variable) if chan is not None else ""
        session.write(
            encode(response("Success", req.action_id, ("Variable", variable), ("Value", value)))
        )

    def setvar(self, session: Client, req: Request) -> None:
        """Setvar: set a channel variable (VarSet follows)."""
        target = self._variable_request(session, req)
        if target is None:
            return
        variable, chan = target
        if chan is not None:
            self.pbx.engine.set_var(chan, variable, req.get("Value"))
        session.write(success(req.action_id, "Variable Set"))

    @staticmethod
    def read_variable(chan: Channel, variable: str) -> str:
        """A channel variable, or one of the few dialplan functions clients ask for."""
        functions = {
            "CALLERID(num)": "" if chan.cid_num == "<unknown>" else chan.cid_num,
            "CALLERID(name)": "" if chan.cid_name == "<unknown>" else chan.cid_name,
            "CHANNEL": chan.name,
            "CHANNEL(name)": chan.name,
            "UNIQUEID": chan.uniqueid,
            "CHANNEL(uniqueid)": chan.uniqueid,
            "CHANNEL(linkedid)": chan.linkedid,
            "CONTEXT": chan.context,
            "EXTEN": chan.exten,
        }
        if variable in functions:
            return functions[variable]
        return chan.get_var(variable) or ""

    # ---------------------------------------------------------------- queues

    def queue_add(self, session: Client, req: Request) -> None:
        """QueueAdd: a dynamic member, with app_queue's answers."""
        queue, interface = req.get("Queue").strip(), req.get("Interface").strip()
        if not queue:
            session.write(error(req.action_id, "'Queue' not specified."))
            return
        if not interface:
            session.write(error(req.action_id, "'Interface' not specified."))
            return
        penalty_text = req.get("Penalty").strip()
        penalty = int(penalty_text) if penalty_text.isdigit() else 0
        outcome = self.pbx.queues.add_member(
            queue, interface, req.get("MemberName").strip(), is_true(req.get("Paused")), penalty
        )
        messages = {
            "ok": None,
            "exists": "Unable to add interface: Already there",
            "nosuchqueue": "Unable to add interface to queue: No such queue",
        }
        message = messages[outcome]
        session.write(
            success(req.action_id, "Added interface to queue")
            if message is None
            else error(req.action_id, message)
        )

    def queue_remove(self, session: Client, req: Request) -> None:
        """QueueRemove: only dynamic members can be removed, as in app_queue."""
        queue, interface = req.get("Queue").strip(), req.get("Interface").strip()
        if not queue or not interface:
            session.write(error(req.action_id, "Need 'Queue' and 'Interface' parameters."))
            return
        outcome = self.pbx.queues.remove_member(queue, interface)
        messages = {
            "notthere": "Unable to remove interface: Not there",
            "nosuchqueue": "Unable to remove interface from queue: No such queue",
            "notdynamic": "Member not dynamic",
        }
        if outcome == "ok":
            session.write(success(req.action_id, "Removed interface from queue"))
        else:
            session.write(error(req.action_id, messages[outcome]))

    def queue_pause(self, session: Client, req: Request) -> None:
        """QueuePause: in one queue, or in all when Queue is absent."""
        interface, paused_text = req.get("Interface").strip(), req.get("Paused").strip()
        if not interface or not paused_text:
            session.write(error(req.action_id, "Need 'Interface' and 'Paused' parameters."))
            return
        paused = is_true(paused_text)
        found = self.pbx.queues.pause_member(
            req.get("Queue").strip(), interface, paused, req.get("Reason").strip()
        )
        if not found:
            session.write(error(req.action_id, "Interface not found"))
            return
        text = "Interface paused successfully" if paused else "Interface unpaused successfully"
        session.write(success(req.action_id, text))

    def extension_state(self, session: Client, req: Request) -> None:
        """ExtensionState: the hint state of an agent extension."""
        exten = req.get("Exten").strip()
        if not exten:
            session.write(error(req.action_id, "Extension not specified"))
            return
        context = req.get("Context").strip() or "default"
        devices = self.pbx.devices
        status = devices.extension_state(exten, context)
        session.write(
            encode(
                response(
                    "Success",
                    req.action_id,
                    ("Message", "Extension Status"),
                    ("Exten", exten),
                    ("Context", context),
                    ("Hint", devices.hint(exten, context)),
                    ("Status", str(status)),
                    ("StatusText", EXTENSION_STATE_TEXT.get(status, "Unknown")),
                )
            )
        )
