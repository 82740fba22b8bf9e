"""Channel events of our calls, and OriginateResponse: ringing, answer, connect, the end."""

from __future__ import annotations

from datetime import datetime

from dialer.telephony.ami.calls import Flow, TrackedCall, channel_base, parse_call_action_id
from dialer.telephony.ami.extension_states import to_int
from dialer.telephony.ami.queue_events import QUEUE_EVENTS
from dialer.telephony.ami.tracking import CallHandler, CallTracker, Headers
from dialer.telephony.port import CallConnected, Leg, Party

_SHUTDOWN_SOFT_HANGUP = 4  # SoftHangupRequest Cause 4: Asterisk is shutting down


def _on_newchannel(tr: CallTracker, call: TrackedCall, h: Headers, at: datetime) -> None:
    uniqueid = h.get("Uniqueid", "")
    call.open.add(uniqueid)
    call.seen_channel = True
    if uniqueid == call.linkedid:
        call.origin_base = channel_base(h.get("Channel", ""))
    _on_newstate(tr, call, h, at)


def _on_newstate(tr: CallTracker, call: TrackedCall, h: Headers, at: datetime) -> None:
    state = h.get("ChannelState")
    if state == "5":  # Ringing
        tr.ring(call, call.leg_of(h.get("Channel", "")), at)
    elif state == "6":  # Up
        call.up.add(h.get("Uniqueid", ""))
        tr.answer(call, call.leg_of(h.get("Channel", "")), at)


def _on_dial_begin(tr: CallTracker, call: TrackedCall, h: Headers, at: datetime) -> None:
    if "Channel" in h and call.leg_of(h.get("DestChannel", "")) is Leg.CUSTOMER:
        call.customer_dialled = True


def _on_dial_state(tr: CallTracker, call: TrackedCall, h: Headers, at: datetime) -> None:
    if h.get("DialStatus") == "RINGING":
        tr.ring(call, call.leg_of(h.get("DestChannel", "")), at)


def _on_dial_end(tr: CallTracker, call: TrackedCall, h: Headers, at: datetime) -> None:
    leg = call.leg_of(h.get("DestChannel", ""))
    status = h.get("DialStatus", "")
    if "Channel" in h and leg is Leg.CUSTOMER and call.flow is Flow.AGENT_FIRST:
        call.dial_status = status
    if status == "ANSWER":
        tr.answer(call, leg, at)


def _on_bridge_enter(tr: CallTracker, call: TrackedCall, h: Headers, at: datetime) -> None:
    legs = call.bridges.setdefault(h.get("BridgeUniqueid", ""), set())
    legs.add(call.leg_of(h.get("Channel", "")))
    if len(legs) == 2 and call.connected_at is None:
        call.connected_at = at
        tr.emit(CallConnected(at=at, call_uid=call.call_uid))


def _on_hangup_request(tr: CallTracker, call: TrackedCall, h: Headers, at: datetime) -> None:
    # The first channel to leave the bridge or to be asked to hang up tells who ended
    # the call (an AMI Hangup shows only as BridgeLeave first). Only a channel that was
    # Up counts: a queue member whose ringing is cancelled did not hang up anybody.
    if call.first_hangup is not None or Leg.CUSTOMER not in call.answered:
        return
    if h.get("Uniqueid") not in call.up:
        return
    if to_int(h.get("Cause")) == _SHUTDOWN_SOFT_HANGUP and h.get("Event") == "SoftHangupRequest":
        call.first_hangup = Party.SYSTEM
    else:
        call.first_hangup = Party(call.leg_of(h.get("Channel", "")).value)


def _on_hangup(tr: CallTracker, call: TrackedCall, h: Headers, at: datetime) -> None:
    cause = to_int(h.get("Cause"))
    if cause:
        leg = call.leg_of(h.get("Channel", ""))
        call.causes.setdefault(leg, cause)
        call.cause_texts.setdefault(cause, h.get("Cause-txt", ""))
    call.open.discard(h.get("Uniqueid", ""))
    tr.maybe_finish(call, at)


CALL_EVENTS: dict[str, CallHandler] = {
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


def on_originate_response(tr: CallTracker, h: Headers, at: datetime) -> None:
    action_id = h.get("ActionID", "")
    ours = parse_call_action_id(action_id)
    success = h.get("Response") == "Success"
    uniqueid = h.get("Uniqueid", "")
    if success and uniqueid and uniqueid != "<unknown>":
        linkedid, group = uniqueid, None  # the originated channel heads its own Linkedid group
    else:
        group = tr.take_group_by_dial_string(h.get("Channel", ""))
        linkedid = group.linkedid if group is not None else f"failed:{action_id}"
    if ours is None:
        _release_foreign(tr, linkedid, success)
        return
    call_uid, flow = ours
    if group is not None:
        tr.pending[linkedid] = group  # _bind replays it
    call = tr.bind(linkedid, call_uid, flow, at)
    call.originate_reason = 4 if success else to_int(h.get("Reason"))
    if not success:
        tr.finish(call, at)
    else:
        tr.maybe_finish(call, at)


def _release_foreign(tr: CallTracker, linkedid: str, success: bool) -> None:
    """Another client's Originate: its queue events are ordinary inbound queue calls."""
    group = tr.pending.pop(linkedid, None)
    tr.remember(tr.foreign if success else tr.finished, linkedid)
    if group is not None:
        for name, headers, held_at in group.events:
            if name in QUEUE_EVENTS:
                tr.feed(name, headers, held_at)
