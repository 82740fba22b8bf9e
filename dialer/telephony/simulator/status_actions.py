"""The simulator's list and status actions: CoreShowChannels, Status, QueueStatus,
QueueSummary, and the one CLI Command the transcripts show."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dialer.telephony.simulator.channels import Channel
from dialer.telephony.simulator.queues import Queue
from dialer.telephony.simulator.wire import (
    STATE_DESC,
    Headers,
    Request,
    encode,
    error,
    list_start,
    response,
)

if TYPE_CHECKING:
    from dialer.telephony.simulator.parts import Client, Pbx


def hms(seconds: float) -> str:
    """HH:MM:SS as CoreShowChannel prints a duration."""
    total = int(seconds)
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


class StatusActions:
    """Read-only actions; they answer from the simulator's live state."""

    def __init__(self, pbx: Pbx) -> None:
        self.pbx = pbx

    def _seconds(self, chan: Channel) -> float:
        return self.pbx.engine.sim_seconds(chan.created)

    def find_channel(self, name: str) -> Channel | None:
        """A live channel by name (case-insensitive) or by Uniqueid, as Asterisk looks them up."""
        channels = self.pbx.engine.channels
        found = channels.get(name)
        if found is not None:
            return found
        lowered = name.lower()
        for chan in channels.values():
            if chan.name.lower() == lowered or chan.uniqueid == name:
                return chan
        return None

    def core_show_channels(self, session: Client, req: Request) -> None:
        """CoreShowChannels: one CoreShowChannel event per live channel."""
        session.write(list_start(req.action_id, "Channels will follow"))
        channels = list(self.pbx.engine.channels.values())
        for chan in channels:
            headers: Headers = [("Event", "CoreShowChannel")]
            if req.action_id:
                headers.append(("ActionID", req.action_id))
            headers += chan.snapshot()
            headers += [
                ("Application", chan.app),
                ("ApplicationData", chan.appdata),
                ("Duration", hms(self._seconds(chan))),
                ("BridgeId", chan.bridge.uniqueid if chan.bridge else ""),
            ]
            session.write(encode(headers))
        session.list_complete("CoreShowChannelsComplete", req.action_id, len(channels))

    def status(self, session: Client, req: Request) -> None:
        """Status: one Status event per channel, with the variables asked for."""
        name = req.get("Channel").strip()
        channels = list(self.pbx.engine.channels.values())
        if name:
            found = self.find_channel(name)
            if found is None:
                session.write(error(req.action_id, "No such channel"))
                return
            channels = [found]
        wanted = [v.strip() for v in req.get("Variables").split(",") if v.strip()]
        all_vars = req.get("AllVariables").strip().lower() in ("yes", "true", "1", "on")
        session.write(list_start(req.action_id, "Channel status will follow"))
        for chan in channels:
            session.write(encode(self._status_event(chan, req.action_id, wanted, all_vars)))
        session.list_complete(
            "StatusComplete", req.action_id, len(channels), ("Items", str(len(channels)))
        )

    def _status_event(
        self, chan: Channel, action_id: str, wanted: list[str], all_vars: bool
    ) -> Headers:
        headers: Headers = [("Event", "Status"), ("Privilege", "Call"), *chan.snapshot()]
        headers += [
            ("Type", chan.name.split("/", 1)[0]),
            ("DNID", ""),
            ("EffectiveConnectedLineNum", chan.conn_num),
            ("EffectiveConnectedLineName", chan.conn_name),
            ("TimeToHangup", "0"),
            ("BridgeID", chan.bridge.uniqueid if chan.bridge else ""),
            ("Application", chan.app),
            ("Data", chan.appdata),
            ("Nativeformats", "(slin)"),
            ("Readformat", "slin"),
            ("Readtrans", ""),
            ("Writeformat", "slin"),
            ("Writetrans", ""),
            ("Callgroup", "0"),
            ("Pickupgroup", "0"),
            ("Seconds", str(int(self._seconds(chan)))),
        ]
        if all_vars:
            headers += [("Variable", f"{key}={value}") for key, value in chan.variables.items()]
        else:
            headers += [("Variable", f"{var}={chan.get_var(var) or ''}") for var in wanted]
        if action_id:
            headers.append(("ActionID", action_id))
        return headers

    # ---------------------------------------------------------------- queues

    def _queues(self, name: str) -> list[Queue]:
        queues = self.pbx.queues.queues.values()
        return [q for q in queues if not name or q.name.lower() == name.lower()]

    def queue_status(self, session: Client, req: Request) -> None:
        """QueueStatus: QueueParams, QueueMember and QueueEntry events."""
        session.write(list_start(req.action_id, "Queue status will follow"))
        member_filter = req.get("Member").strip()
        tail = [("ActionID", req.action_id)] if req.action_id else []
        items = 0
        for queue in self._queues(req.get("Queue").strip()):
            session.write(encode([("Event", "QueueParams"), *self._params(queue), *tail]))
            items += 1
            for member in queue.members:
                if member_filter and member_filter not in (member.interface, member.name):
                    continue
                block = self.pbx.queues.member_block(queue, member, name_key="Name")
                session.write(
                    encode([("Event", "QueueMember"), *block, ("Wrapuptime", "0"), *tail])
                )
                items += 1
            for position, entry in enumerate(queue.entries, start=1):
                chan = entry.chan
                session.write(
                    encode(
                        [
                            ("Event", "QueueEntry"),
                            ("Queue", queue.name),
                            ("Position", str(position)),
                            ("Channel", chan.name),
                            ("Uniqueid", chan.uniqueid),
                            ("CallerIDNum", chan.cid_num),
                            ("CallerIDName", chan.cid_name),
                            ("ConnectedLineNum", chan.conn_num),
                            ("ConnectedLineName", chan.conn_name),
                            ("Wait", str(int(self.pbx.engine.sim_seconds(entry.joined)))),
                            ("Priority", "0"),
                            *tail,
                        ]
                    )
                )
                items += 1
        session.list_complete("QueueStatusComplete", req.action_id, items)

    @staticmethod
    def _params(queue: Queue) -> Headers:
        completed = queue.completed
        perf = 100.0 * queue.completed_in_sl / completed if completed else 0.0
        handled = completed + queue.abandoned
        perf2 = 100.0 * queue.completed_in_sl / handled if handled else 0.0
        return [
            ("Queue", queue.name),
            ("Max", "0"),
            ("Strategy", queue.strategy),
            ("Calls", str(len(queue.entries))),
            ("Holdtime", str(queue.holdtime)),
            ("TalkTime", str(queue.talktime)),
            ("Completed", str(completed)),
            ("Abandoned", str(queue.abandoned)),
            ("ServiceLevel", "0"),
            ("ServicelevelPerf", f"{perf:.1f}"),
            ("ServicelevelPerf2", f"{perf2:.1f}"),
            ("Weight", "0"),
        ]

    def queue_summary(self, session: Client, req: Request) -> None:
        """QueueSummary: one summary event per queue."""
        session.write(list_start(req.action_id, "Queue summary will follow"))
        queues = self._queues(req.get("Queue").strip())
        status_of = self.pbx.queues.member_status
        engine = self.pbx.engine
        for queue in queues:
            statuses = [(m, status_of(m)) for m in queue.members]
            logged_in = sum(1 for _m, s in statuses if s not in (4, 5))
            available = sum(1 for m, s in statuses if s in (0, 1) and not m.paused)
            longest = max((int(engine.sim_seconds(e.joined)) for e in queue.entries), default=0)
            headers: Headers = [
                ("Event", "QueueSummary"),
                ("Queue", queue.name),
                ("LoggedIn", str(logged_in)),
                ("Available", str(available)),
                ("Callers", str(len(queue.entries))),
                ("HoldTime", str(queue.holdtime)),
                ("TalkTime", str(queue.talktime)),
                ("LongestHoldTime", str(longest)),
            ]
            if req.action_id:
                headers.append(("ActionID", req.action_id))
            session.write(encode(headers))
        session.list_complete("QueueSummaryComplete", req.action_id, len(queues))

    # --------------------------------------------------------------- Command

    def command(self, session: Client, req: Request) -> None:
        """Command: the few CLI commands a dialer might send (and core restart)."""
        text = " ".join(req.get("Command").split())
        if text == "core show channels concise":
            lines = [self._concise(chan) for chan in self.pbx.engine.channels.values()]
            self._command_output(session, req, "Success", lines)
        elif text == "core show version":
            self._command_output(
                session, req, "Success", ["Asterisk 22.10.1 (dialer PBX simulator)"]
            )
        elif text in (
            "core restart now",
            "core restart gracefully",
            "core restart when convenient",
        ):
            self._command_output(session, req, "Success", [])
            self.pbx.background(self.pbx.restart())
        else:
            word = text.split(" ", 1)[0] if text else ""
            message = (
                f"No such command '{text}' (type 'core show help {word}' "
                "for other possible commands)"
            )
            self._command_output(session, req, "Error", [message])

    @staticmethod
    def _command_output(session: Client, req: Request, kind: str, lines: list[str]) -> None:
        fields = [("Message", "Command output follows"), *[("Output", line) for line in lines]]
        session.write(encode(response(kind, req.action_id, *fields)))

    def _concise(self, chan: Channel) -> str:
        seconds = int(self._seconds(chan))
        fields = [
            chan.name,
            chan.context,
            chan.exten,
            str(chan.priority),
            STATE_DESC.get(chan.state, "Unknown"),
            chan.app,
            chan.appdata,
            "" if chan.cid_num == "<unknown>" else chan.cid_num,
            "",
            "",
            "3",
            str(seconds),
            chan.bridge.uniqueid if chan.bridge else "",
            chan.uniqueid,
        ]
        return "!".join(fields)
