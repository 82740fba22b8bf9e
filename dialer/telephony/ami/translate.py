"""AMI events in, port events out: the call-event and queue-event tables combined.

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

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from dialer.telephony.ami.amd_events import AMD_EVENTS
from dialer.telephony.ami.call_events import CALL_EVENTS, on_originate_response
from dialer.telephony.ami.calls import Flow, channel_base
from dialer.telephony.ami.queue_events import STATE_EVENTS, queue_handlers
from dialer.telephony.ami.tracking import CallTracker, Headers, OtherHandler
from dialer.telephony.port import CallConnected, EventHandler, Leg

OTHER_EVENTS: dict[str, OtherHandler] = {
    "OriginateResponse": on_originate_response,
    **STATE_EVENTS,
    **queue_handlers(),
    **AMD_EVENTS,
}
WANTED_EVENTS = frozenset(CALL_EVENTS) | frozenset(OTHER_EVENTS) | {"Shutdown"}


@dataclass(frozen=True)
class AdoptedCall:
    """One of our calls found up after a reconnect: its channels as CoreShowChannels lists them."""

    call_uid: str
    flow: Flow
    linkedid: str
    channels: tuple[Headers, ...]


class AmiTranslator(CallTracker):
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
        super().__init__(
            emit,
            agent_channel=agent_channel,
            max_pending_groups=max_pending_groups,
            max_pending_events=max_pending_events,
            finished_memory=finished_memory,
            call_events=CALL_EVENTS,
            other_events=OTHER_EVENTS,
        )

    def reconcile(self, adopted: Iterable[AdoptedCall], at: datetime) -> None:
        """After a reconnect: drop what ended while blind, take over calls still up."""
        adopted = list(adopted)
        live = {call.linkedid for call in adopted}
        for linkedid in [lid for lid in self.calls if lid not in live]:
            self.forget(self.calls[linkedid])
        self.pending.clear()
        self.members.clear()
        for found in adopted:
            self._adopt(found, at)

    def _adopt(self, found: AdoptedCall, at: datetime) -> None:
        call = self.calls.get(found.linkedid) or self.bind(
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
        up: set[Leg] = set()
        for channel in found.channels:
            leg = call.leg_of(channel.get("Channel", ""))
            if channel.get("ChannelStateDesc") == "Up":
                call.up.add(channel.get("Uniqueid", ""))
                up.add(leg)
            if channel.get("BridgeId"):
                bridges.setdefault(channel["BridgeId"], set()).add(leg)
        # What happened while we were blind is told now (once), or a call that was placed
        # just before and answered meanwhile would stay "originating" for the domain.
        if call.flow is Flow.AGENT_FIRST:
            for leg in (Leg.AGENT, Leg.CUSTOMER):  # the order they answer in
                if leg in up:
                    self.answer(call, leg, at)
        call.answered |= up
        if any(len(legs) == 2 for legs in bridges.values()) and call.connected_at is None:
            call.connected_at = at
            self.emit(CallConnected(at=at, call_uid=call.call_uid))
        if Leg.CUSTOMER in call.answered or call.flow is Flow.CUSTOMER_FIRST:
            call.customer_dialled = True
