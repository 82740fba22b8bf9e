"""The calls the PBX has up right now: CoreShowChannels grouped by Linkedid, with our call id."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from dialer.telephony.ami.calls import CALL_ID_VAR, FLOW_VAR, Flow, channel_base
from dialer.telephony.ami.manager import AmiManager
from dialer.telephony.ami.protocol import is_success, raise_unless_success
from dialer.telephony.port import LiveChannel

_MEMORY = 10000  # Linkedids whose call id we remember (a Getvar each saved)


@dataclass(frozen=True)
class LiveCall:
    """One Linkedid group of channels up at the PBX, and whose call it is (None: not ours)."""

    linkedid: str
    call_uid: str | None
    flow: Flow | None
    channels: tuple[dict, ...]

    def hangup_order(self) -> list[dict]:
        """Channels to hang up, the agent's leg first (so the agent is the one who hung up)."""
        root = next(
            (c for c in self.channels if c.get("Uniqueid") == self.linkedid), self.channels[0]
        )
        root_base = channel_base(root.get("Channel", ""))
        origin = [c for c in self.channels if channel_base(c.get("Channel", "")) == root_base]
        others = [c for c in self.channels if c not in origin]
        return origin + others if self.flow is not Flow.CUSTOMER_FIRST else others + origin

    def port_channels(self) -> list[LiveChannel]:
        """The channels as the port describes them."""
        return [_live_channel(headers, self.call_uid) for headers in self.channels]


class LiveCalls:
    """Lists the live calls; remembers each Linkedid's call id so it is asked for once."""

    def __init__(self) -> None:
        self._call_uids: OrderedDict[str, tuple[str | None, Flow | None]] = OrderedDict()

    def snapshot(self, conn: AmiManager) -> list[LiveCall]:
        """CoreShowChannels grouped by Linkedid, each with our call id (Getvar on its root)."""
        response = conn.send_action(Action="CoreShowChannels")
        raise_unless_success(response, "CoreShowChannels")
        groups: dict[str, list[dict]] = {}
        for item in response.events:
            if item.headers.get("Event") == "CoreShowChannel":
                headers = item.headers
                groups.setdefault(
                    headers.get("Linkedid") or headers.get("Uniqueid", ""), []
                ).append(headers)
        calls = []
        for linkedid, channels in groups.items():
            root = next((c for c in channels if c.get("Uniqueid") == linkedid), channels[0])
            call_uid, flow = self._call_of(conn, linkedid, root.get("Channel", ""))
            calls.append(LiveCall(linkedid, call_uid, flow, tuple(channels)))
        return calls

    def _call_of(
        self, conn: AmiManager, linkedid: str, channel: str
    ) -> tuple[str | None, Flow | None]:
        known = self._call_uids.get(linkedid)
        if known is not None:
            return known
        call_uid = _getvar(conn, channel, CALL_ID_VAR)
        if call_uid is None:  # the channel went away meanwhile: ask again next time
            return None, None
        flow_code = _getvar(conn, channel, FLOW_VAR) if call_uid else ""
        flow = (
            Flow(flow_code) if flow_code in ("a", "q") else (Flow.AGENT_FIRST if call_uid else None)
        )
        found = (call_uid or None, flow)
        self._call_uids[linkedid] = found
        if len(self._call_uids) > _MEMORY:
            self._call_uids.popitem(last=False)
        return found


def _getvar(conn: AmiManager, channel: str, variable: str) -> str | None:
    response = conn.send_action(Action="Getvar", Channel=channel, Variable=variable)
    if not is_success(response):
        return None
    return response.headers.get("Value", "")


def _live_channel(headers: dict, call_uid: str | None) -> LiveChannel:
    return LiveChannel(
        channel=headers.get("Channel", ""),
        uniqueid=headers.get("Uniqueid", ""),
        linkedid=headers.get("Linkedid", ""),
        state=headers.get("ChannelStateDesc", ""),
        call_uid=call_uid,
        caller_number=headers.get("CallerIDNum", ""),
        connected_number=headers.get("ConnectedLineNum", ""),
        duration_s=_duration(headers.get("Duration", "")),
    )


def _duration(text: str) -> int:
    """Seconds from CoreShowChannel's 'hh:mm:ss'."""
    seconds = 0
    for part in text.split(":"):
        seconds = seconds * 60 + (int(part) if part.isdigit() else 0)
    return seconds
