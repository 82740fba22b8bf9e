"""AMI events in, port events out: a table from event name to a small handler.

The translator is fed every AMI event of one PBX, in arrival order, from one
thread. Channel events are matched to our calls by Linkedid; events of a
Linkedid not yet known are held (bounded) until an OriginateResponse (by
ActionID, or by the dial string when it failed) or a ``DIALER_CALL_ID``
ChanVariable says whose call it is, and then replayed with their own arrival
times: OriginateResponse may come after the callee's Hangup. Queue events
are emitted for every queue call, with our call id when the call is ours.
A call is forgotten once its CallEnded is out.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from dialer.telephony.ami import outcomes
from dialer.telephony.ami.calls import (
    CALL_ID_VAR,
    FLOW_VAR,
    Flow,
    PendingGroup,
    TrackedCall,
    channel_base,
    parse_call_action_id,
)
from dialer.telephony.port import (
    CallAnswered,
    CallConnected,
    CallEnded,
    CallRinging,
    EventHandler,
    ExtensionState,
    ExtensionStateChanged,
    Leg,
    Party,
    QueueCallAbandoned,
    QueueCallCompleted,
    QueueCallConnected,
    QueueCallJoined,
    QueueCallOffered,
    QueueCallRingNoAnswer,
)

Headers = dict
_PENDING_MAX_AGE = timedelta(minutes=10)
_SHUTDOWN_SOFT_HANGUP = 4  # SoftHangupRequest Cause 4: Asterisk is shutting down

# Device states as DeviceStateChange spells them, and their numbers in QueueMemberStatus.
_DEVICE_STATE = {
    "NOT_INUSE": ExtensionState.AVAILABLE,
    "INUSE": ExtensionState.IN_USE,
    "ONHOLD": ExtensionState.IN_USE,
    "BUSY": ExtensionState.BUSY,
    "RINGING": ExtensionState.RINGING,
    "RINGINUSE": ExtensionState.RINGING,
    "UNAVAILABLE": ExtensionState.UNAVAILABLE,
    "INVALID": ExtensionState.UNAVAILABLE,
    "UNKNOWN": ExtensionState.UNKNOWN,
}
_DEVICE_STATE_NUMBER = dict(
    enumerate(
        [
            "UNKNOWN",
            "NOT_INUSE",
            "INUSE",
            "BUSY",
            "INVALID",
            "UNAVAILABLE",
            "RINGING",
            "RINGINUSE",
            "ONHOLD",
        ]
    )
)
# ExtensionStatus StatusText (hint state).
_HINT_STATE = {
    "idle": ExtensionState.AVAILABLE,
    "inuse": ExtensionState.IN_USE,
    "busy": ExtensionState.BUSY,
    "unavailable": ExtensionState.UNAVAILABLE,
    "ringing": ExtensionState.RINGING,
    "inuse&ringing": ExtensionState.RINGING,
    "hold": ExtensionState.IN_USE,
    "inuse&hold": ExtensionState.IN_USE,
}


def device_state(value: str) -> ExtensionState:
    """An ExtensionState from a device state name or number."""
    name = _DEVICE_STATE_NUMBER.get(int(value), "UNKNOWN") if value.isdigit() else value.upper()
    return _DEVICE_STATE.get(name, ExtensionState.UNKNOWN)


def hint_state(status_text: str) -> ExtensionState:
    """An ExtensionState from an ExtensionState/ExtensionStatus StatusText."""
    return _HINT_STATE.get(status_text.lower(), ExtensionState.UNKNOWN)


def agent_device_pattern(agent_channel: str) -> re.Pattern[str]:
    """A regex matching the agent devices the template makes, capturing the extension."""
    before, _, after = agent_channel.partition("{extension}")
    return re.compile(re.escape(before) + r"(?P<extension>[^/@;&,|]+)" + re.escape(after))


def _extension_of(interface: str, pattern: re.Pattern[str]) -> str:
    match = pattern.fullmatch(interface)
    if match:
        return match["extension"]
    # Other technologies: Local/1001@ctx, PJSIP/1001, SIP/1001...
    return interface.partition("/")[2].partition("@")[0] or interface


def _int_or_zero(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


def _caller(value: str | None) -> str:
    return "" if not value or value == "<unknown>" else value


@dataclass(frozen=True)
class AdoptedCall:
    """One of our calls found up after a reconnect: its channels as CoreShowChannels lists them."""

    call_uid: str
    flow: Flow
    linkedid: str
    channels: tuple[Headers, ...]


class AmiTranslator:
    """Turns the AMI event stream of one PBX into port events, handed to ``emit``."""

    def __init__(
        self,
        emit: EventHandler,
        *,
        agent_channel: str = "PJSIP/{extension}",
        max_pending_groups: int = 5000,
        max_pending_events: int = 256,
        finished_memory: int = 5000,
    ) -> None:
        self.emit = emit
        self.agent_pattern = agent_device_pattern(agent_channel)
        self.max_pending_groups = max_pending_groups
        self.max_pending_events = max_pending_events
        self.finished_memory = finished_memory
        self.calls: dict[str, TrackedCall] = {}  # by Linkedid
        self.by_call_uid: dict[str, TrackedCall] = {}
        self.pending: OrderedDict[str, PendingGroup] = OrderedDict()
        self.finished: OrderedDict[str, None] = OrderedDict()
        self.foreign: OrderedDict[str, None] = (
            OrderedDict()
        )  # Linkedids of other clients' Originates
        self.expected: dict[str, tuple[str, Flow]] = {}
        self.members: dict[tuple[str, str], QueueCallConnected] = {}
        self.extension_states: dict[str, ExtensionState] = {}

    # ---------------------------------------------------------------- input

    def expect(self, action_id: str, call_uid: str, flow: Flow) -> None:
        """Tie an Originate sent with a foreign-looking ActionID to our call."""
        self.expected[action_id] = (call_uid, flow)

    def feed(self, name: str, headers: Headers, at: datetime) -> None:
        """Translate one AMI event (ignored unless the table has a handler for it)."""
        handler = _CALL_EVENTS.get(name)
        if handler is not None:
            self._route_channel_event(name, handler, headers, at)
            return
        other = _OTHER_EVENTS.get(name)
        if other is not None:
            other(self, headers, at)

    def reconcile(self, adopted: Iterable[AdoptedCall], at: datetime) -> None:
        """After a reconnect: drop what ended while blind, take over calls still up."""
        adopted = list(adopted)
        live = {call.linkedid for call in adopted}
        for linkedid in [lid for lid in self.calls if lid not in live]:
            self._forget(self.calls[linkedid])
        self.pending.clear()
        self.members.clear()
        for found in adopted:
            self._adopt(found, at)

    # ---------------------------------------------------------- call routing

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
        return self._bind(linkedid, call_uid, Flow(flow), at)

    def _bind(self, linkedid: str, call_uid: str, flow: Flow, at: datetime) -> TrackedCall:
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

    def _take_group_by_dial_string(self, dial_string: str) -> PendingGroup | None:
        """The held group a failed Originate created: its channel is '<dial string>-<n>;1'."""
        if not dial_string:
            return None
        prefix = dial_string + "-"
        for linkedid, group in reversed(self.pending.items()):
            if group.originated and group.origin_channel.startswith(prefix):
                del self.pending[linkedid]
                return group
        return None

    def _remember(self, memory: OrderedDict[str, None], linkedid: str) -> None:
        memory[linkedid] = None
        if len(memory) > self.finished_memory:
            memory.popitem(last=False)

    def _forget(self, call: TrackedCall) -> None:
        for linkedid in [lid for lid, c in self.calls.items() if c is call]:
            del self.calls[linkedid]
            self._remember(self.finished, linkedid)
        self.by_call_uid.pop(call.call_uid, None)

    def _adopt(self, found: AdoptedCall, at: datetime) -> None:
        call = self.calls.get(found.linkedid) or self._bind(
            found.linkedid, found.call_uid, found.flow, at
        )
        call.open = {ch.get("Uniqueid", "") for ch in found.channels}
        call.seen_channel = True
        if call.originate_reason is None:
            call.originate_reason = 4  # a channel of it is up: the Originate went through
        bridges: dict[str, set[Leg]] = {}
        for channel in found.channels:
            name = channel.get("Channel", "")
            if channel.get("Uniqueid") == found.linkedid:
                call.origin_base = channel_base(name)
        for channel in found.channels:
            leg = call.leg_of(channel.get("Channel", ""))
            if channel.get("ChannelStateDesc") == "Up":
                call.up.add(channel.get("Uniqueid", ""))
                call.answered.add(leg)
            if channel.get("BridgeId"):
                bridges.setdefault(channel["BridgeId"], set()).add(leg)
        if any(len(legs) == 2 for legs in bridges.values()) and call.connected_at is None:
            call.connected_at = at
        if Leg.CUSTOMER in call.answered or call.flow is Flow.CUSTOMER_FIRST:
            call.customer_dialled = True

    # ---------------------------------------------------------------- output

    def _ring(self, call: TrackedCall, leg: Leg, at: datetime) -> None:
        if leg not in call.rang and leg not in call.answered:
            call.rang.add(leg)
            self.emit(CallRinging(at=at, call_uid=call.call_uid, leg=leg))

    def _answer(self, call: TrackedCall, leg: Leg, at: datetime) -> None:
        if leg not in call.answered:
            call.answered.add(leg)
            self.emit(CallAnswered(at=at, call_uid=call.call_uid, leg=leg))

    def _finish(self, call: TrackedCall, at: datetime) -> None:
        outcome = outcomes.outbound_outcome(call.facts())
        if outcome.status == outcomes.ANSWER:
            hung_up_by = call.first_hangup or Party.SYSTEM
        elif outcome.status == outcomes.CANCEL:
            hung_up_by = Party.AGENT
        else:
            hung_up_by = Party.SYSTEM
        wait_s, talk_s = call.seconds(at)
        self._forget(call)
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

    def _maybe_finish(self, call: TrackedCall, at: datetime) -> None:
        if call.seen_channel and not call.open and call.originate_reason is not None:
            self._finish(call, at)

    def _set_extension_state(self, extension: str, state: ExtensionState, at: datetime) -> None:
        if extension and self.extension_states.get(extension) is not state:
            self.extension_states[extension] = state
            self.emit(ExtensionStateChanged(at=at, extension=extension, state=state))


# ------------------------------------------------------------ call handlers


def _on_newchannel(tr: AmiTranslator, call: TrackedCall, h: Headers, at: datetime) -> None:
    uniqueid = h.get("Uniqueid", "")
    call.open.add(uniqueid)
    call.seen_channel = True
    if uniqueid == call.linkedid:
        call.origin_base = channel_base(h.get("Channel", ""))
    _on_newstate(tr, call, h, at)


def _on_newstate(tr: AmiTranslator, call: TrackedCall, h: Headers, at: datetime) -> None:
    state = h.get("ChannelState")
    if state == "5":  # Ringing
        tr._ring(call, call.leg_of(h.get("Channel", "")), at)
    elif state == "6":  # Up
        call.up.add(h.get("Uniqueid", ""))
        tr._answer(call, call.leg_of(h.get("Channel", "")), at)


def _on_dial_begin(tr: AmiTranslator, call: TrackedCall, h: Headers, at: datetime) -> None:
    if "Channel" in h and call.leg_of(h.get("DestChannel", "")) is Leg.CUSTOMER:
        call.customer_dialled = True


def _on_dial_state(tr: AmiTranslator, call: TrackedCall, h: Headers, at: datetime) -> None:
    if h.get("DialStatus") == "RINGING":
        tr._ring(call, call.leg_of(h.get("DestChannel", "")), at)


def _on_dial_end(tr: AmiTranslator, call: TrackedCall, h: Headers, at: datetime) -> None:
    leg = call.leg_of(h.get("DestChannel", ""))
    status = h.get("DialStatus", "")
    if "Channel" in h and leg is Leg.CUSTOMER and call.flow is Flow.AGENT_FIRST:
        call.dial_status = status
    if status == "ANSWER":
        tr._answer(call, leg, at)


def _on_bridge_enter(tr: AmiTranslator, call: TrackedCall, h: Headers, at: datetime) -> None:
    legs = call.bridges.setdefault(h.get("BridgeUniqueid", ""), set())
    legs.add(call.leg_of(h.get("Channel", "")))
    if len(legs) == 2 and call.connected_at is None:
        call.connected_at = at
        tr.emit(CallConnected(at=at, call_uid=call.call_uid))


def _on_hangup_request(tr: AmiTranslator, call: TrackedCall, h: Headers, at: datetime) -> None:
    # The first channel to leave the bridge or to be asked to hang up tells who ended
    # the call (an AMI Hangup shows only as BridgeLeave first). Only a channel that was
    # Up counts: a queue member whose ringing is cancelled did not hang up anybody.
    if call.first_hangup is not None or Leg.CUSTOMER not in call.answered:
        return
    if h.get("Uniqueid") not in call.up:
        return
    if (
        _int_or_zero(h.get("Cause")) == _SHUTDOWN_SOFT_HANGUP
        and h.get("Event") == "SoftHangupRequest"
    ):
        call.first_hangup = Party.SYSTEM
    else:
        call.first_hangup = Party(call.leg_of(h.get("Channel", "")).value)


def _on_hangup(tr: AmiTranslator, call: TrackedCall, h: Headers, at: datetime) -> None:
    cause = _int_or_zero(h.get("Cause"))
    if cause:
        leg = call.leg_of(h.get("Channel", ""))
        call.causes.setdefault(leg, cause)
        call.cause_texts.setdefault(cause, h.get("Cause-txt", ""))
    call.open.discard(h.get("Uniqueid", ""))
    tr._maybe_finish(call, at)


_CALL_EVENTS: dict[str, Callable[[AmiTranslator, TrackedCall, Headers, datetime], None]] = {
    "Newchannel": _on_newchannel,
    "Newstate": _on_newstate,
    "DialBegin": _on_dial_begin,
    "DialState": _on_dial_state,
    "DialEnd": _on_dial_end,
    "BridgeEnter": _on_bridge_enter,
    "BridgeLeave": _on_hangup_request,
    "SoftHangupRequest": _on_hangup_request,
    "HangupRequest": _on_hangup_request,
    "Hangup": _on_hangup,
}

# ----------------------------------------------------------- other handlers


def _on_originate_response(tr: AmiTranslator, h: Headers, at: datetime) -> None:
    action_id = h.get("ActionID", "")
    ours = tr.expected.pop(action_id, None) or parse_call_action_id(action_id)
    success = h.get("Response") == "Success"
    uniqueid = h.get("Uniqueid", "")
    if success and uniqueid and uniqueid != "<unknown>":
        linkedid, group = uniqueid, None  # the originated channel heads its own Linkedid group
    else:
        group = tr._take_group_by_dial_string(h.get("Channel", ""))
        linkedid = group.linkedid if group is not None else f"failed:{action_id}"
    if ours is None:
        _release_foreign(tr, linkedid, success)
        return
    call_uid, flow = ours
    if group is not None:
        tr.pending[linkedid] = group  # _bind replays it
    call = tr._bind(linkedid, call_uid, flow, at)
    call.originate_reason = 4 if success else _int_or_zero(h.get("Reason"))
    if not success:
        tr._finish(call, at)
    else:
        tr._maybe_finish(call, at)


def _release_foreign(tr: AmiTranslator, linkedid: str, success: bool) -> None:
    """Another client's Originate: its queue events are ordinary inbound queue calls."""
    group = tr.pending.pop(linkedid, None)
    tr._remember(tr.foreign if success else tr.finished, linkedid)
    if group is not None:
        for name, headers, held_at in group.events:
            if name in _QUEUE_EVENTS:
                tr.feed(name, headers, held_at)


def _queue_call(tr: AmiTranslator, h: Headers, name: str, at: datetime) -> str | None | bool:
    """The call id a queue event belongs to (None: not ours), or False when held."""
    linkedid = h.get("Linkedid", "")
    call = tr.calls.get(linkedid)
    if call is not None:
        return call.call_uid
    group = tr.pending.get(linkedid)
    if group is not None and group.originated and linkedid not in tr.foreign:
        if len(group.events) < tr.max_pending_events:
            group.events.append((name, h, at))
        return False
    return None


def _queue_fields(h: Headers, call_uid: str | None) -> dict:
    return {
        "call_ref": h.get("Linkedid", ""),
        "queue": h.get("Queue", ""),
        "caller_number": _caller(h.get("CallerIDNum")),
        "caller_name": _caller(h.get("CallerIDName")),
        "call_uid": call_uid,
    }


def _queue_handler(build: Callable[[AmiTranslator, Headers, dict, datetime], object], name: str):
    def handle(tr: AmiTranslator, h: Headers, at: datetime) -> None:
        call_uid = _queue_call(tr, h, name, at)
        if call_uid is False:
            return
        event = build(tr, h, _queue_fields(h, call_uid), at)
        if event is not None:
            tr.emit(event)

    return handle


def _joined(tr: AmiTranslator, h: Headers, f: dict, at: datetime) -> QueueCallJoined:
    return QueueCallJoined(at=at, position=_int_or_zero(h.get("Position")), **f)


def _offered(tr: AmiTranslator, h: Headers, f: dict, at: datetime) -> QueueCallOffered:
    extension = _extension_of(h.get("Interface", ""), tr.agent_pattern)
    return QueueCallOffered(at=at, extension=extension, **f)


def _connected(tr: AmiTranslator, h: Headers, f: dict, at: datetime) -> QueueCallConnected:
    extension = _extension_of(h.get("Interface", ""), tr.agent_pattern)
    event = QueueCallConnected(
        at=at,
        extension=extension,
        hold_s=_int_or_zero(h.get("HoldTime")),
        ring_s=_int_or_zero(h.get("RingTime")),
        **f,
    )
    tr.members[(event.queue, h.get("Interface", ""))] = event
    return event


def _ring_no_answer(tr: AmiTranslator, h: Headers, f: dict, at: datetime) -> QueueCallRingNoAnswer:
    extension = _extension_of(h.get("Interface", ""), tr.agent_pattern)
    ring_s = round(_int_or_zero(h.get("RingTime")) / 1000)  # milliseconds here, unlike AgentConnect
    return QueueCallRingNoAnswer(at=at, extension=extension, ring_s=ring_s, **f)


def _completed(tr: AmiTranslator, h: Headers, f: dict, at: datetime) -> QueueCallCompleted:
    # AgentComplete may come after the channels are gone, without Linkedid or caller:
    # the AgentConnect of the same queue member says which call it was.
    connect = tr.members.pop((f["queue"], h.get("Interface", "")), None)
    if connect is not None and not f["call_ref"]:
        f.update(
            call_ref=connect.call_ref,
            caller_number=connect.caller_number,
            caller_name=connect.caller_name,
            call_uid=connect.call_uid,
        )
    return QueueCallCompleted(
        at=at,
        extension=_extension_of(h.get("Interface", ""), tr.agent_pattern),
        status=outcomes.queue_completion_status(h.get("Reason", "")),
        hold_s=_int_or_zero(h.get("HoldTime")),
        talk_s=_int_or_zero(h.get("TalkTime")),
        **f,
    )


def _abandoned(tr: AmiTranslator, h: Headers, f: dict, at: datetime) -> QueueCallAbandoned:
    return QueueCallAbandoned(
        at=at, hold_s=_int_or_zero(h.get("HoldTime")), position=_int_or_zero(h.get("Position")), **f
    )


def _on_device_state(tr: AmiTranslator, h: Headers, at: datetime) -> None:
    match = tr.agent_pattern.fullmatch(h.get("Device", ""))
    if match:
        tr._set_extension_state(match["extension"], device_state(h.get("State", "")), at)


def _on_queue_member_status(tr: AmiTranslator, h: Headers, at: datetime) -> None:
    interface = h.get("StateInterface") or h.get("Interface", "")
    extension = _extension_of(interface, tr.agent_pattern)
    tr._set_extension_state(extension, device_state(h.get("Status", "0")), at)


def _on_extension_status(tr: AmiTranslator, h: Headers, at: datetime) -> None:
    tr._set_extension_state(h.get("Exten", ""), hint_state(h.get("StatusText", "")), at)


_QUEUE_EVENTS = {
    "QueueCallerJoin": _joined,
    "AgentCalled": _offered,
    "AgentConnect": _connected,
    "AgentRingNoAnswer": _ring_no_answer,
    "AgentComplete": _completed,
    "QueueCallerAbandon": _abandoned,
}

_OTHER_EVENTS: dict[str, Callable[[AmiTranslator, Headers, datetime], None]] = {
    "OriginateResponse": _on_originate_response,
    "DeviceStateChange": _on_device_state,
    "QueueMemberStatus": _on_queue_member_status,
    "ExtensionStatus": _on_extension_status,
    **{name: _queue_handler(build, name) for name, build in _QUEUE_EVENTS.items()},
}

WANTED_EVENTS = frozenset(_CALL_EVENTS) | frozenset(_OTHER_EVENTS) | {"Shutdown"}
