"""Call queues of the simulator (docs/asterisk/queues.conf): members, callers, statistics."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from dialer.telephony.simulator.channels import Channel
from dialer.telephony.simulator.devices import Devices
from dialer.telephony.simulator.dialing import Dialing, Signal
from dialer.telephony.simulator.dialplan import Dialplan
from dialer.telephony.simulator.engine import Engine
from dialer.telephony.simulator.wire import Headers

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
        """The agent extension of a Local member interface."""
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
    changed: Signal = field(default_factory=Signal)

    def member(self, interface: str) -> Member | None:
        """The member with this interface (case-insensitive like app_queue)."""
        for member in self.members:
            if member.interface.lower() == interface.lower():
                return member
        return None


class Queues:
    """The queues, their members and callers, and what the manager may change."""

    def __init__(
        self, engine: Engine, devices: Devices, dialplan: Dialplan, *, static_members: bool = True
    ) -> None:
        self.engine = engine
        # False: queues.conf lists no members, as a real call centre configures it;
        # agents get in only by QueueAdd when they sign in.
        self.static_members = static_members
        self.devices = devices
        self.dialplan = dialplan
        self.queues: dict[str, Queue] = {}
        self.reset()
        devices.on_device_state(self._device_changed)

    def reset(self) -> None:
        """Back to queues.conf: static members only (persistentmembers = no)."""
        self.queues = {
            name: Queue(
                name,
                strategy,
                timeout,
                retry,
                [Member(i, n) for i, n in members] if self.static_members else [],
            )
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
            queue.changed.notify()

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
        queue.changed.notify()
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
            queue.changed.notify()
        return found


@dataclass(eq=False)
class Attempt:
    """One member being rung for a caller."""

    member: Member
    chan: Channel
    dialing: Dialing
    started: float = field(default_factory=time.monotonic)
    progressed: bool = False


@dataclass(eq=False)
class Entry:
    """A caller waiting in a queue, and the members rung for it."""

    chan: Channel
    queue: Queue
    joined: float = field(default_factory=time.monotonic)
    original_position: int = 0
    attempts: list[Attempt] = field(default_factory=list)
    connected: Attempt | None = None
    connected_at: float = 0.0
    hold: int = 0
    finished: bool = False
    reported: bool = False
