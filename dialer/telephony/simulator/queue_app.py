"""The Queue() application of the simulator: join, ring members, connect, complete."""

from __future__ import annotations

import asyncio
import time

from dialer.telephony.simulator.channels import BEGIN, PEER_LEFT, POST, PRE_HANGUP, Channel
from dialer.telephony.simulator.devices import DEVICE_NOT_INUSE
from dialer.telephony.simulator.dialing import Dialing
from dialer.telephony.simulator.dialplan import Dialplan
from dialer.telephony.simulator.engine import Engine
from dialer.telephony.simulator.queues import Attempt, Entry, Member, Queue, Queues
from dialer.telephony.simulator.wire import Headers


class QueueApp:
    """Runs callers through app_queue's cycle of ringing members (ringall / rrmemory)."""

    def __init__(self, engine: Engine, queues: Queues, dialplan: Dialplan) -> None:
        self.engine = engine
        self.queues = queues
        self.dialplan = dialplan
        dialplan.queue_app = self.run

    async def run(self, chan: Channel, name: str, timeout_s: float) -> str:
        """Queue(name,r,,,timeout): wait for an agent; return QUEUESTATUS when leaving."""
        engine = self.engine
        queue = self.queues.queues.get(name)
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
                await queue.changed.wait(
                    min(engine.scale(queue.retry), deadline - time.monotonic())
                )
                continue
            if await self._ring(entry, members):
                await asyncio.get_running_loop().create_future()  # bridged until hung up
            await engine.sleep(queue.retry)
        self._leave(entry)
        return "TIMEOUT"

    def _available(self, queue: Queue) -> list[Member]:
        return [
            m
            for m in queue.members
            if not m.paused and not m.ringing and self.queues.member_status(m) == DEVICE_NOT_INUSE
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
        one.sends_audio = False
        member.ringing = True
        ids = (caller.cid_num, caller.cid_name)
        one.cid_num, one.cid_name = ids
        engine.newexten(one, "AppQueue", "(Outgoing Line)")
        engine.announce_ids(one, connected=False)
        engine.set_var(one, "DIALEDPEERNUMBER", f"{exten}@{context}")
        engine.set_var(two, "DIALEDPEERNUMBER", f"{exten}@{context}")
        engine.set_ids(two, ids, ids)
        engine.local_bridge_event(one, two)
        # DialBegin carries the member as it was when dialled; AgentCalled, published
        # first, already shows the caller's exten and line (as recorded).
        dialled = one.snapshot("Dest")
        one.exten = caller.exten
        one.conn_num, one.conn_name = ids  # announced once the member makes progress
        member_ids = [
            ("Queue", entry.queue.name),
            ("Interface", member.interface),
            ("MemberName", member.name),
        ]
        engine.event("AgentCalled", "agent", caller.snapshot(), one.snapshot("Dest"), member_ids)
        engine.event(
            "DialBegin", "call", caller.snapshot(), dialled, [("DialString", member.interface)]
        )
        attempt = Attempt(member, one, Dialing(engine, one, lambda: self._ringing(entry, attempt)))
        self.dialplan.start(two)
        return attempt

    def _progress(self, entry: Entry, attempt: Attempt) -> None:
        # app_queue's first progress on a member: connected line and a fresh AppQueue step.
        if not attempt.progressed:
            attempt.progressed = True
            caller, agent = entry.chan, attempt.chan
            self.engine.newexten(agent, "AppQueue", "(Outgoing Line)")
            self.engine.set_connected(agent, caller.cid_num, caller.cid_name)

    def _ringing(self, entry: Entry, attempt: Attempt) -> None:
        self._progress(entry, attempt)
        self.engine.event(
            "DialState",
            "call",
            entry.chan.snapshot(),
            attempt.chan.snapshot("Dest"),
            [("DialStatus", "RINGING")],
        )

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
        entry.queue.changed.notify()

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
        self._progress(entry, attempt)
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
        queue.changed.notify()

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
        elif phase == PRE_HANGUP:
            self._answered_vars(entry)
        elif phase == POST:
            # Hung up from outside (AMI): the caller is gone before app_queue reports.
            self._complete(entry, "caller", with_snapshot=False)

    def _answered_vars(self, entry: Entry) -> None:
        if entry.reported or entry.chan.dead:
            return
        entry.reported = True
        talk = int(self.engine.sim_seconds(entry.connected_at))
        for var, seconds in (("ANSWEREDTIME", talk), ("DIALEDTIME", talk + entry.hold)):
            self.engine.set_var(entry.chan, var, str(seconds))
            self.engine.set_var(entry.chan, var + "_MS", str(seconds * 1000))

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
        self._answered_vars(entry)
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
