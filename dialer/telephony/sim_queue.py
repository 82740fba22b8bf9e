"""Call queues of the simulator (peer-config/queues.conf) and the Queue() application."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field

from dialer.telephony.sim_channels import BEGIN, PEER_LEFT, POST, Channel
from dialer.telephony.sim_devices import DEVICE_NOT_INUSE, Devices
from dialer.telephony.sim_dialplan import Dialplan
from dialer.telephony.sim_engine import Dialing, Engine
from dialer.telephony.sim_wire import Headers

# queues.conf of the reference peer: name -> (strategy, timeout s, retry s, static members)
REFERENCE_QUEUES = {
    "support": ("ringall", 15, 2, [("Local/1001@sim-agent", "Agent 1001")]),
    "sales": (
        "rrmemory",
        5,
        1,
        [("Local/2002@sim-agent", "Agent 2002"), ("Local/1002@sim-agent", "Agent 1002")],
    ),
}


@dataclass(eq=False)
class Member:
    interface: str
    name: str
    dynamic: bool = False
    penalty: int = 0
    paused: bool = False
    paused_reason: str = ""
    calls: int = 0
    last_call: int = 0
    last_pause: int = 0
    login_time: int = field(default_factory=lambda: int(time.time()))
    in_call: bool = False
    ringing: bool = False

    @property
    def target(self) -> tuple[str, str] | None:
        """(exten, context) of a Local/<exten>@<context> interface, else None."""
        tech, _, rest = self.interface.partition("/")
        exten, _, context = rest.partition("@")
        if tech.lower() != "local" or not exten or not context:
            return None
        return exten, context.split("/")[0]

    @property
    def ext(self) -> str:
        target = self.target
        return target[0] if target else ""


@dataclass(eq=False)
class Queue:
    name: str
    strategy: str
    timeout: int
    retry: int
    members: list[Member] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    rrpos: int = 0
    holdtime: int = 0
    talktime: int = 0
    completed: int = 0
    abandoned: int = 0
    completed_in_sl: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def member(self, interface: str) -> Member | None:
        """The member with this interface (case-insensitive like app_queue)."""
        for member in self.members:
            if member.interface.lower() == interface.lower():
                return member
        return None


@dataclass(eq=False)
class Attempt:
    member: Member
    chan: Channel
    dialing: Dialing
    started: float = field(default_factory=time.monotonic)


@dataclass(eq=False)
class Entry:
    chan: Channel
    queue: Queue
    joined: float = field(default_factory=time.monotonic)
    original_position: int = 0
    attempts: list[Attempt] = field(default_factory=list)
    connected: Attempt | None = None
    connected_at: float = 0.0
    hold: int = 0
    finished: bool = False


class Queues:
    """The queues, their members and callers, and what the manager may change."""

    def __init__(self, engine: Engine, devices: Devices, dialplan: Dialplan) -> None:
        self.engine = engine
        self.devices = devices
        self.dialplan = dialplan
        dialplan.queues = self
        self.queues: dict[str, Queue] = {}
        self.reset()
        devices.on_device_state(self._device_changed)

    def reset(self) -> None:
        """Back to queues.conf: static members only (persistentmembers = no)."""
        self.queues = {
            name: Queue(name, strategy, timeout, retry, [Member(i, n) for i, n in members])
            for name, (strategy, timeout, retry, members) in REFERENCE_QUEUES.items()
        }

    # ------------------------------------------------------------- member data

    def member_status(self, member: Member) -> int:
        """AST_DEVICE_* of the member's interface (4 invalid when it is not an agent Local)."""
        target = member.target
        if target is None or not self.dialplan.exists(target[1], target[0]):
            return 4
        return self.devices.device_state(target[0])

    def member_block(self, queue: Queue, member: Member, name_key: str = "MemberName") -> Headers:
        """The member fields of QueueMemberStatus/Added/Removed/Pause."""
        return [
            ("Queue", queue.name),
            (name_key, member.name),
            ("Interface" if name_key == "MemberName" else "Location", member.interface),
            ("StateInterface", member.interface),
            ("Membership", "dynamic" if member.dynamic else "static"),
            ("Penalty", str(member.penalty)),
            ("CallsTaken", str(member.calls)),
            ("LastCall", str(member.last_call)),
            ("LastPause", str(member.last_pause)),
            ("LoginTime", str(member.login_time)),
            ("InCall", "1" if member.in_call else "0"),
            ("Status", str(self.member_status(member))),
            ("Paused", "1" if member.paused else "0"),
            ("PausedReason", member.paused_reason),
        ]

    def member_event(self, name: str, queue: Queue, member: Member) -> None:
        """QueueMemberStatus / QueueMemberAdded / QueueMemberRemoved / QueueMemberPause."""
        extra = [("Ringinuse", "0"), ("Wrapuptime", "0")]
        self.engine.event(name, "agent", self.member_block(queue, member), extra)

    def _device_changed(self, ext: str, _state: int) -> None:
        for queue in self.queues.values():
            for member in queue.members:
                if member.ext == ext:
                    self.member_event("QueueMemberStatus", queue, member)
            queue.changed.set()

    # ------------------------------------------------------------ manager ops

    def add_member(
        self, queue_name: str, interface: str, name: str, paused: bool, penalty: int
    ) -> str:
        """QueueAdd: 'ok', 'exists' or 'nosuchqueue'."""
        queue = self.queues.get(queue_name)
        if queue is None:
            return "nosuchqueue"
        if queue.member(interface) is not None:
            return "exists"
        member = Member(interface, name or interface, dynamic=True, penalty=penalty, paused=paused)
        queue.members.append(member)
        self.member_event("QueueMemberAdded", queue, member)
        queue.changed.set()
        return "ok"

    def remove_member(self, queue_name: str, interface: str) -> str:
        """QueueRemove: 'ok', 'notthere', 'nosuchqueue' or 'notdynamic'."""
        queue = self.queues.get(queue_name)
        if queue is None:
            return "nosuchqueue"
        member = queue.member(interface)
        if member is None:
            return "notthere"
        if not member.dynamic:
            return "notdynamic"
        queue.members.remove(member)
        self.member_event("QueueMemberRemoved", queue, member)
        return "ok"

    def pause_member(self, queue_name: str, interface: str, paused: bool, reason: str) -> bool:
        """QueuePause in one queue or (no queue name) in all; False when not found."""
        found = False
        for queue in self.queues.values():
            if queue_name and queue.name.lower() != queue_name.lower():
                continue
            member = queue.member(interface)
            if member is None:
                continue
            found = True
            member.paused = paused
            member.paused_reason = reason if paused else ""
            member.last_pause = int(time.time()) if paused else member.last_pause
            self.member_event("QueueMemberPause", queue, member)
            queue.changed.set()
        return found

    # --------------------------------------------------------- Queue() app

    async def run(self, chan: Channel, name: str, timeout_s: float) -> str:
        """Queue(name,r,,,timeout): wait for an agent; return QUEUESTATUS when leaving."""
        engine = self.engine
        queue = self.queues.get(name)
        if queue is None:
            return "UNKNOWN"
        for var in (
            "ANSWEREDTIME",
            "ANSWEREDTIME_MS",
            "DIALEDTIME",
            "DIALEDTIME_MS",
            "QUEUEWAIT",
            "QUEUEWAIT_MS",
        ):
            engine.set_var(chan, var, "")
        queue.entries.append(entry := Entry(chan, queue))
        entry.original_position = len(queue.entries)
        engine.chan_event(
            "QueueCallerJoin",
            chan,
            ("Queue", queue.name),
            ("Position", str(entry.original_position)),
            ("Count", str(len(queue.entries))),
            cls="agent",
        )
        chan.hooks.append(lambda phase, via: self._caller_teardown(entry, phase, via))
        deadline = time.monotonic() + engine.scale(timeout_s)
        while time.monotonic() < deadline:
            members = self._pick(queue, entry)
            if not members:
                await self._wait_change(
                    queue, min(engine.scale(queue.retry), deadline - time.monotonic())
                )
                continue
            if await self._ring(entry, members):
                await asyncio.get_running_loop().create_future()  # bridged until hung up
            await engine.sleep(queue.retry)
        self._leave(entry)
        return "TIMEOUT"

    async def _wait_change(self, queue: Queue, timeout: float) -> None:
        queue.changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(queue.changed.wait(), max(timeout, 0.0))

    def _available(self, queue: Queue) -> list[Member]:
        return [
            m
            for m in queue.members
            if not m.paused and not m.ringing and self.member_status(m) == DEVICE_NOT_INUSE
        ]

    def _pick(self, queue: Queue, entry: Entry) -> list[Member]:
        available = self._available(queue)
        waiting = [e for e in queue.entries if e.connected is None]
        if not available or waiting.index(entry) >= len(available):  # autofill = yes
            return []
        if queue.strategy != "rrmemory":
            return available
        count = len(queue.members)
        for step in range(count):
            member = queue.members[(queue.rrpos + step) % count]
            if member in available:
                queue.rrpos = (queue.members.index(member) + 1) % count
                return [member]
        return []

    async def _ring(self, entry: Entry, members: list[Member]) -> bool:
        """Ring members for the queue's timeout; True once one is bridged with the caller."""
        for member in members:
            entry.attempts.append(self._call_member(entry, member))
        deadline = time.monotonic() + self.engine.scale(entry.queue.timeout)
        while entry.attempts:
            pending = {a.dialing.future: a for a in entry.attempts}
            done, _ = await asyncio.wait(
                pending,
                timeout=max(deadline - time.monotonic(), 0),
                return_when=asyncio.FIRST_COMPLETED,
            )
            if not done:
                for attempt in list(entry.attempts):
                    self._ring_no_answer(entry, attempt, "NOANSWER", timed_out=True)
                return False
            for future in done:
                attempt = pending[future]
                status, _cause = future.result()
                if status == "ANSWER" and not attempt.chan.dead:
                    self._connect(entry, attempt)
                    return True
                self._ring_no_answer(entry, attempt, "BUSY" if status == "BUSY" else "NOANSWER")
        return False

    def _call_member(self, entry: Entry, member: Member) -> Attempt:
        engine, caller = self.engine, entry.chan
        exten, context = member.target or ("", "")
        one, two = engine.create_local_pair(exten, context, linkedid=caller.linkedid)
        one.has_cdr = False
        member.ringing = True
        engine.newexten(one, "AppQueue", "(Outgoing Line)")
        engine.set_var(one, "DIALEDPEERNUMBER", f"{exten}@{context}")
        engine.set_var(two, "DIALEDPEERNUMBER", f"{exten}@{context}")
        engine.set_caller(one, caller.cid_num, caller.cid_name)
        engine.set_caller(two, caller.cid_num, caller.cid_name)
        engine.set_connected(two, caller.cid_num, caller.cid_name)
        engine.local_bridge_event(one, two)
        one.exten = caller.exten
        ids = [
            ("Queue", entry.queue.name),
            ("Interface", member.interface),
            ("MemberName", member.name),
        ]
        engine.event("AgentCalled", "agent", caller.snapshot(), one.snapshot("Dest"), ids)
        engine.event(
            "DialBegin",
            "call",
            caller.snapshot(),
            one.snapshot("Dest"),
            [("DialString", member.interface)],
        )
        dialing = Dialing(
            engine,
            one,
            lambda: engine.event(
                "DialState",
                "call",
                caller.snapshot(),
                one.snapshot("Dest"),
                [("DialStatus", "RINGING")],
            ),
        )
        self.dialplan.start(two)
        return Attempt(member, one, dialing)

    def _dial_end(self, entry: Entry, attempt: Attempt, status: str) -> None:
        self.engine.event(
            "DialEnd",
            "call",
            entry.chan.snapshot(),
            attempt.chan.snapshot("Dest"),
            [("DialStatus", status)],
        )

    def _drop(self, entry: Entry, attempt: Attempt) -> None:
        entry.attempts.remove(attempt)
        attempt.member.ringing = False
        attempt.chan.dialing = None
        if not attempt.chan.dead:
            self.engine.hangup(attempt.chan, 0, soft=False)
        entry.queue.changed.set()

    def _ring_no_answer(
        self, entry: Entry, attempt: Attempt, status: str, timed_out: bool = False
    ) -> None:
        engine = self.engine
        ring_ms = int(engine.sim_seconds(attempt.started) * 1000)
        if timed_out:
            ring_ms = entry.queue.timeout * 1000
        engine.event(
            "AgentRingNoAnswer",
            "agent",
            entry.chan.snapshot(),
            attempt.chan.snapshot("Dest"),
            [
                ("Queue", entry.queue.name),
                ("Interface", attempt.member.interface),
                ("MemberName", attempt.member.name),
                ("RingTime", str(ring_ms)),
            ],
        )
        self._dial_end(entry, attempt, status)
        if timed_out:
            self._dial_end(entry, attempt, "CANCEL")
        engine.close_cdr_attempt(entry.chan, attempt.chan, "NOANSWER")
        self._drop(entry, attempt)

    def _connect(self, entry: Entry, attempt: Attempt) -> None:
        engine, caller, queue = self.engine, entry.chan, entry.queue
        for other in [a for a in entry.attempts if a is not attempt]:
            self._dial_end(entry, other, "CANCEL")
            self._drop(entry, other)
        entry.attempts.clear()
        attempt.member.ringing = False
        attempt.chan.dialing = None
        if not caller.is_up:
            self.dialplan.answer(caller)
        self._dial_end(entry, attempt, "ANSWER")
        position = queue.entries.index(entry) + 1
        self._leave(entry)
        engine.set_var(caller, "QUEUEPOSITION", str(position))
        entry.hold = int(engine.sim_seconds(entry.joined))
        engine.set_var(caller, "QUEUEWAIT", str(entry.hold))
        engine.set_var(caller, "QUEUEWAIT_MS", str(entry.hold * 1000))
        queue.holdtime = ((queue.holdtime << 2) - queue.holdtime + entry.hold) >> 2
        member, agent = attempt.member, attempt.chan
        member.in_call = True
        engine.set_connected(agent, caller.cid_num, caller.cid_name)
        engine.newexten(agent, "AppQueue", "(Outgoing Line)")
        engine.event(
            "AgentConnect",
            "agent",
            caller.snapshot(),
            agent.snapshot("Dest"),
            [
                ("Queue", queue.name),
                ("Interface", member.interface),
                ("MemberName", member.name),
                ("HoldTime", str(entry.hold)),
                ("RingTime", str(int(engine.sim_seconds(attempt.started)))),
            ],
        )
        entry.connected, entry.connected_at = attempt, time.monotonic()
        if caller.cdr is not None:
            caller.cdr.dest = agent.name
        engine.bridge(agent, caller)

    def _leave(self, entry: Entry) -> None:
        queue = entry.queue
        if entry not in queue.entries:
            return
        position = queue.entries.index(entry) + 1
        queue.entries.remove(entry)
        self.engine.chan_event(
            "QueueCallerLeave",
            entry.chan,
            ("Queue", queue.name),
            ("Position", str(position)),
            ("Count", str(len(queue.entries))),
            cls="agent",
        )
        queue.changed.set()

    # --------------------------------------------------------- teardown

    def _caller_teardown(self, entry: Entry, phase: str, via_partner: bool) -> None:
        if entry.finished:
            return
        if entry.connected is None:
            if phase == BEGIN:
                self._abandon(entry)
            return
        if phase == PEER_LEFT:
            self._complete(entry, "agent", with_snapshot=True)
        elif phase == BEGIN and via_partner:
            self._complete(entry, "caller", with_snapshot=True)
        elif phase == POST:
            # Hung up from outside (AMI): the caller is gone before app_queue reports.
            self._complete(entry, "caller", with_snapshot=False)

    def _abandon(self, entry: Entry) -> None:
        entry.finished = True
        for attempt in list(entry.attempts):
            self._dial_end(entry, attempt, "CANCEL")
            self._drop(entry, attempt)
        queue = entry.queue
        if entry in queue.entries:
            position = queue.entries.index(entry) + 1
            self.engine.chan_event(
                "QueueCallerAbandon",
                entry.chan,
                ("Queue", queue.name),
                ("Position", str(position)),
                ("OriginalPosition", str(entry.original_position)),
                ("HoldTime", str(int(self.engine.sim_seconds(entry.joined)))),
                cls="agent",
            )
            queue.abandoned += 1
            self._leave(entry)

    def _complete(self, entry: Entry, reason: str, with_snapshot: bool) -> None:
        entry.finished = True
        attempt, queue, engine = entry.connected, entry.queue, self.engine
        assert attempt is not None
        talk = int(engine.sim_seconds(entry.connected_at))
        member = attempt.member
        member.in_call = False
        member.calls += 1
        member.last_call = int(time.time())
        queue.completed += 1
        queue.completed_in_sl += 1 if entry.hold <= 0 else 0
        queue.talktime = ((queue.talktime << 2) - queue.talktime + talk) >> 2
        blocks: list[Headers] = []
        if with_snapshot:
            blocks = [entry.chan.snapshot(), attempt.chan.snapshot("Dest")]
        fields = [
            ("Queue", queue.name),
            ("Interface", member.interface),
            ("MemberName", member.name),
            ("HoldTime", str(entry.hold)),
            ("TalkTime", str(talk)),
            ("Reason", reason),
        ]
        engine.event("AgentComplete", "agent", *blocks, fields)
