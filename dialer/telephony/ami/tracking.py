"""The state of the AMI event translation: our calls by Linkedid, held events, emitting.

Event handlers (``call_events``, ``queue_events``) read and update this state; the
tracker routes each event to its handler through the tables it is given, so it
never imports the handlers.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from dialer.telephony.ami import outcomes
from dialer.telephony.ami.calls import CALL_ID_VAR, FLOW_VAR, Flow, PendingGroup, TrackedCall
from dialer.telephony.ami.extension_states import agent_device_pattern
from dialer.telephony.port import (
    CallAnswered,
    CallEnded,
    CallRinging,
    EventHandler,
    ExtensionState,
    ExtensionStateChanged,
    Leg,
    Party,
    QueueCallConnected,
)

Headers = dict
# A channel event of one of our calls; any other event (OriginateResponse, queue, state).
CallHandler = Callable[["CallTracker", TrackedCall, Headers, datetime], None]
OtherHandler = Callable[["CallTracker", Headers, datetime], None]
_PENDING_MAX_AGE = timedelta(minutes=10)


class CallTracker:
    """Our calls as the AMI event stream of one PBX shows them, turned into port events."""

    def __init__(
        self,
        emit: EventHandler,
        *,
        agent_channel: str = "PJSIP/{extension}",
        max_pending_groups: int = 5000,
        max_pending_events: int = 256,
        finished_memory: int = 5000,
        call_events: Mapping[str, CallHandler],
        other_events: Mapping[str, OtherHandler],
    ) -> None:
        self.call_events = call_events
        self.other_events = other_events
        self.emit = emit
        self.agent_pattern = agent_device_pattern(agent_channel)
        self.max_pending_groups = max_pending_groups
        self.max_pending_events = max_pending_events
        self.finished_memory = finished_memory
        self.calls: dict[str, TrackedCall] = {}  # by Linkedid
        self.by_call_uid: dict[str, TrackedCall] = {}
        self.pending: OrderedDict[str, PendingGroup] = OrderedDict()
        self.finished: OrderedDict[str, None] = OrderedDict()
        # Linkedids of other clients' Originates
        self.foreign: OrderedDict[str, None] = OrderedDict()
        self.members: dict[tuple[str, str], QueueCallConnected] = {}
        self.extension_states: dict[str, ExtensionState] = {}

    def feed(self, name: str, headers: Headers, at: datetime) -> None:
        """Translate one AMI event (ignored unless the table has a handler for it)."""
        handler = self.call_events.get(name)
        if handler is not None:
            self._route_channel_event(name, handler, headers, at)
            return
        other = self.other_events.get(name)
        if other is not None:
            other(self, headers, at)

    def route(self, name: str, handler: CallHandler, headers: Headers, at: datetime) -> None:
        """Hand an event picked by its content (not its name alone) to ``handler`` by Linkedid."""
        self._route_channel_event(name, handler, headers, at)

    def _route_channel_event(
        self, name: str, handler: Callable, headers: Headers, at: datetime
    ) -> None:
        linkedid = headers.get("Linkedid") or headers.get("DestLinkedid")
        if not linkedid:
            return
        call = self.calls.get(linkedid)
        if call is None:
            if linkedid in self.finished or linkedid in self.foreign:
                return
            call = self._bind_by_variables(linkedid, headers, at)
            if call is None:
                self._hold(linkedid, name, headers, at)
                return
        handler(self, call, headers, at)

    def _bind_by_variables(
        self, linkedid: str, headers: Headers, at: datetime
    ) -> TrackedCall | None:
        variables = headers.get("ChanVariable")
        if not isinstance(variables, dict):
            return None
        call_uid, flow = variables.get(CALL_ID_VAR), variables.get(FLOW_VAR)
        if not call_uid or flow not in ("a", "q"):
            return None
        return self.bind(linkedid, call_uid, Flow(flow), at)

    def bind(self, linkedid: str, call_uid: str, flow: Flow, at: datetime) -> TrackedCall:
        """Tie a Linkedid to our call and replay what was held for it."""
        call = self.by_call_uid.get(call_uid)
        group = self.pending.pop(linkedid, None)
        if call is None:
            started = group.created_at if group is not None else at
            call = TrackedCall(call_uid=call_uid, flow=flow, linkedid=linkedid, started_at=started)
            self.by_call_uid[call_uid] = call
        self.calls[linkedid] = call
        if group is not None:
            for name, headers, held_at in group.events:
                self.feed(name, headers, held_at)
        return call

    def _hold(self, linkedid: str, name: str, headers: Headers, at: datetime) -> None:
        group = self.pending.get(linkedid)
        if group is None:
            self._evict_pending(at)
            group = self.pending[linkedid] = PendingGroup(linkedid=linkedid, created_at=at)
        if (
            name == "DialBegin"
            and "Channel" not in headers
            and headers.get("DestUniqueid") == linkedid
        ):
            # The Originate's own dial (no source channel): its OriginateResponse will follow.
            group.originated = True
            group.origin_channel = headers.get("DestChannel", "")
        uniqueid = headers.get("Uniqueid")
        if name == "Newchannel" and uniqueid:
            group.open.add(uniqueid)
        elif name == "Hangup" and uniqueid:
            group.open.discard(uniqueid)
            if not group.open and not group.originated:
                del self.pending[linkedid]  # nobody will ever claim it
                return
        if len(group.events) < self.max_pending_events:
            group.events.append((name, headers, at))

    def _evict_pending(self, now: datetime) -> None:
        while self.pending:
            oldest = next(iter(self.pending.values()))
            if (
                len(self.pending) < self.max_pending_groups
                and now - oldest.created_at < _PENDING_MAX_AGE
            ):
                return
            self.pending.popitem(last=False)

    def take_group_by_dial_string(self, dial_string: str) -> PendingGroup | None:
        """The held group a failed Originate created: its channel is '<dial string>-<n>;1'."""
        if not dial_string:
            return None
        prefix = dial_string + "-"
        for linkedid, group in reversed(self.pending.items()):
            if group.originated and group.origin_channel.startswith(prefix):
                del self.pending[linkedid]
                return group
        return None

    def remember(self, memory: OrderedDict[str, None], linkedid: str) -> None:
        """Note a Linkedid as done with (bounded memory, oldest forgotten first)."""
        memory[linkedid] = None
        if len(memory) > self.finished_memory:
            memory.popitem(last=False)

    def forget(self, call: TrackedCall) -> None:
        """Stop tracking a call; later events of its Linkedids are ignored."""
        for linkedid in [lid for lid, c in self.calls.items() if c is call]:
            del self.calls[linkedid]
            self.remember(self.finished, linkedid)
        self.by_call_uid.pop(call.call_uid, None)

    def ring(self, call: TrackedCall, leg: Leg, at: datetime) -> None:
        """Emit CallRinging for a leg, once, and never after it answered."""
        if leg not in call.rang and leg not in call.answered:
            call.rang.add(leg)
            self.emit(CallRinging(at=at, call_uid=call.call_uid, leg=leg))

    def answer(self, call: TrackedCall, leg: Leg, at: datetime) -> None:
        """Emit CallAnswered for a leg, once."""
        if leg not in call.answered:
            call.answered.add(leg)
            self.emit(CallAnswered(at=at, call_uid=call.call_uid, leg=leg))

    def finish(self, call: TrackedCall, at: datetime) -> None:
        """Emit the call's CallEnded with its outcome, and forget it."""
        outcome = outcomes.outbound_outcome(call.facts())
        if outcome.status == outcomes.ANSWER:
            hung_up_by = call.first_hangup or Party.SYSTEM
        elif outcome.status == outcomes.CANCEL:
            hung_up_by = Party.AGENT
        else:
            hung_up_by = Party.SYSTEM
        wait_s, talk_s = call.seconds(at)
        self.forget(call)
        self.emit(
            CallEnded(
                at=at,
                call_uid=call.call_uid,
                status=outcome.status,
                cause=outcome.cause,
                cause_text=call.cause_texts.get(outcome.cause or 0, ""),
                hung_up_by=hung_up_by,
                customer_dialled=outcome.customer_dialled,
                wait_s=wait_s,
                talk_s=talk_s,
            )
        )

    def maybe_finish(self, call: TrackedCall, at: datetime) -> None:
        """Finish the call once all its channels are gone and the Originate answered."""
        if call.seen_channel and not call.open and call.originate_reason is not None:
            self.finish(call, at)

    def set_extension_state(self, extension: str, state: ExtensionState, at: datetime) -> None:
        """Emit ExtensionStateChanged when an extension's state really changed."""
        if extension and self.extension_states.get(extension) is not state:
            self.extension_states[extension] = state
            self.emit(ExtensionStateChanged(at=at, extension=extension, state=state))
