"""Queue events (app_queue) and extension states: callers joining, members rung, completions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from dialer.telephony.ami import outcomes
from dialer.telephony.ami.extension_states import (
    caller,
    device_state,
    extension_of,
    hint_state,
    to_int,
)
from dialer.telephony.ami.tracking import CallTracker, Headers, OtherHandler
from dialer.telephony.port import (
    QueueCallAbandoned,
    QueueCallCompleted,
    QueueCallConnected,
    QueueCallJoined,
    QueueCallOffered,
    QueueCallRingNoAnswer,
)


def _queue_call(tr: CallTracker, h: Headers, name: str, at: datetime) -> str | None | bool:
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
        "caller_number": caller(h.get("CallerIDNum")),
        "caller_name": caller(h.get("CallerIDName")),
        "call_uid": call_uid,
    }


def _queue_handler(build: Callable[[CallTracker, Headers, dict, datetime], object], name: str):
    def handle(tr: CallTracker, h: Headers, at: datetime) -> None:
        call_uid = _queue_call(tr, h, name, at)
        if call_uid is False:
            return
        event = build(tr, h, _queue_fields(h, call_uid), at)
        if event is not None:
            tr.emit(event)

    return handle


def _joined(tr: CallTracker, h: Headers, f: dict, at: datetime) -> QueueCallJoined:
    return QueueCallJoined(at=at, position=to_int(h.get("Position")), **f)


def _offered(tr: CallTracker, h: Headers, f: dict, at: datetime) -> QueueCallOffered:
    extension = extension_of(h.get("Interface", ""), tr.agent_pattern)
    return QueueCallOffered(at=at, extension=extension, **f)


def _connected(tr: CallTracker, h: Headers, f: dict, at: datetime) -> QueueCallConnected:
    extension = extension_of(h.get("Interface", ""), tr.agent_pattern)
    event = QueueCallConnected(
        at=at,
        extension=extension,
        hold_s=to_int(h.get("HoldTime")),
        ring_s=to_int(h.get("RingTime")),
        **f,
    )
    tr.members[(event.queue, h.get("Interface", ""))] = event
    return event


def _ring_no_answer(tr: CallTracker, h: Headers, f: dict, at: datetime) -> QueueCallRingNoAnswer:
    extension = extension_of(h.get("Interface", ""), tr.agent_pattern)
    ring_s = round(to_int(h.get("RingTime")) / 1000)  # milliseconds here, unlike AgentConnect
    return QueueCallRingNoAnswer(at=at, extension=extension, ring_s=ring_s, **f)


def _completed(tr: CallTracker, h: Headers, f: dict, at: datetime) -> QueueCallCompleted:
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
        extension=extension_of(h.get("Interface", ""), tr.agent_pattern),
        status=outcomes.queue_completion_status(h.get("Reason", "")),
        hold_s=to_int(h.get("HoldTime")),
        talk_s=to_int(h.get("TalkTime")),
        **f,
    )


def _abandoned(tr: CallTracker, h: Headers, f: dict, at: datetime) -> QueueCallAbandoned:
    return QueueCallAbandoned(
        at=at, hold_s=to_int(h.get("HoldTime")), position=to_int(h.get("Position")), **f
    )


def _on_device_state(tr: CallTracker, h: Headers, at: datetime) -> None:
    match = tr.agent_pattern.fullmatch(h.get("Device", ""))
    if match:
        tr.set_extension_state(match["extension"], device_state(h.get("State", "")), at)


def _on_queue_member_status(tr: CallTracker, h: Headers, at: datetime) -> None:
    interface = h.get("StateInterface") or h.get("Interface", "")
    extension = extension_of(interface, tr.agent_pattern)
    tr.set_extension_state(extension, device_state(h.get("Status", "0")), at)


def _on_extension_status(tr: CallTracker, h: Headers, at: datetime) -> None:
    tr.set_extension_state(h.get("Exten", ""), hint_state(h.get("StatusText", "")), at)


QUEUE_EVENTS = {
    "QueueCallerJoin": _joined,
    "AgentCalled": _offered,
    "AgentConnect": _connected,
    "AgentRingNoAnswer": _ring_no_answer,
    "AgentComplete": _completed,
    "QueueCallerAbandon": _abandoned,
}


def queue_handlers() -> dict[str, OtherHandler]:
    """The handler of each queue event, by AMI event name."""
    return {name: _queue_handler(build, name) for name, build in QUEUE_EVENTS.items()}


STATE_EVENTS: dict[str, OtherHandler] = {
    "DeviceStateChange": _on_device_state,
    "QueueMemberStatus": _on_queue_member_status,
    "ExtensionStatus": _on_extension_status,
}
