"""The answering-machine detector's verdict on one of our calls, as the PBX reports it.

The reference dialplan runs ``AMD()`` on the answered customer's channel, then
``UserEvent(DialerAMD,AMDStatus: ...,AMDCause: ...)`` (class ``user``, which a
production manager user reads). AMD() also sets the channel variable AMDSTATUS,
which a user reading the ``dialplan`` class sees as VarSets (AMDSTATUS, then AMDCAUSE);
whichever is complete first is the verdict. Both carry the customer channel's Linkedid, our call's.
"""

from __future__ import annotations

from datetime import datetime

from dialer.telephony.ami.calls import TrackedCall
from dialer.telephony.ami.tracking import CallTracker, Headers
from dialer.telephony.port import AmdStatus, CallAmdResult

USER_EVENT = "DialerAMD"
_STATUSES = frozenset(AmdStatus)


def _verdict(tr: CallTracker, call: TrackedCall, status: str, cause: str, at: datetime) -> None:
    if call.amd_status is not None or status not in _STATUSES:
        return
    call.amd_status = status
    tr.emit(CallAmdResult(at=at, call_uid=call.call_uid, status=AmdStatus(status), cause=cause))


def _on_user_event(tr: CallTracker, call: TrackedCall, h: Headers, at: datetime) -> None:
    status = h.get("AMDStatus", "").strip().upper()
    _verdict(tr, call, status, h.get("AMDCause", "").strip(), at)


def _on_var_set(tr: CallTracker, call: TrackedCall, h: Headers, at: datetime) -> None:
    # AMD() sets AMDSTATUS, then AMDCAUSE at once: the verdict is whole with the second.
    value = h.get("Value", "").strip()
    if h.get("Variable") == "AMDSTATUS":
        call.amd_heard = value.upper()
    elif call.amd_heard is not None:
        _verdict(tr, call, call.amd_heard, value, at)


def on_user_event(tr: CallTracker, h: Headers, at: datetime) -> None:
    """UserEvent: DialerAMD from the dialplan's AMD step."""
    if h.get("UserEvent") == USER_EVENT:
        tr.route("UserEvent", _on_user_event, h, at)


def on_var_set(tr: CallTracker, h: Headers, at: datetime) -> None:
    """VarSet of AMDSTATUS or AMDCAUSE (the detector's variables: every other VarSet is noise)."""
    if h.get("Variable") in ("AMDSTATUS", "AMDCAUSE"):
        tr.route("VarSet", _on_var_set, h, at)


AMD_EVENTS = {"UserEvent": on_user_event, "VarSet": on_var_set}
