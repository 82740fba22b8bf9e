"""What the AMI translator remembers about one call, and how our calls are named.

A call we place is a Linkedid group of channels. Its ActionID
(``dialer-<call_uid>-<flow><n>``) and channel variables ``DIALER_CALL_ID`` /
``DIALER_FLOW`` say which call and which flow it is; every channel of the
call shares the originated channel's Uniqueid as Linkedid, so once one of
those ties a Linkedid to our call, every event of it is matched by Linkedid.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import datetime

from dialer.telephony.ami.outcomes import CallFacts
from dialer.telephony.port import Leg, Party, UnsafeValueError

CALL_ID_VAR = "DIALER_CALL_ID"
FLOW_VAR = "DIALER_FLOW"
# Inherited (__) down to the customer's channel, where the dialplan's AMD step reads it.
AMD_VAR = "__DIALER_AMD"
_CALL_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_ACTION_ID = re.compile(r"dialer-(?P<call_uid>[A-Za-z0-9_.-]{1,64})-(?P<flow>[aq])(?P<seq>\d+)")


class Flow(enum.StrEnum):
    AGENT_FIRST = "a"  # ring the agent, then the dialplan dials the customer
    CUSTOMER_FIRST = "q"  # dial the customer, then queue them for an agent

    @property
    def origin_leg(self) -> Leg:
        """The leg the Originate itself creates."""
        return Leg.AGENT if self is Flow.AGENT_FIRST else Leg.CUSTOMER


def check_call_uid(call_uid: str) -> str:
    """Return ``call_uid`` if it is safe in an ActionID and a channel variable."""
    if not _CALL_ID.fullmatch(call_uid):
        raise UnsafeValueError(f"refused call id {call_uid!r}: use letters, digits, '.', '_', '-'")
    return call_uid


def call_action_id(call_uid: str, flow: Flow, seq: int) -> str:
    """The ActionID of an Originate for our call (the listener parses it back)."""
    return f"dialer-{check_call_uid(call_uid)}-{flow.value}{seq}"


def parse_call_action_id(action_id: str) -> tuple[str, Flow] | None:
    """(call id, flow) from one of our Originate ActionIDs, else None."""
    match = _ACTION_ID.fullmatch(action_id)
    if match is None:
        return None
    return match["call_uid"], Flow(match["flow"])


def channel_base(channel: str) -> str:
    """A channel name without its Local ``;1``/``;2`` half: both halves are one leg."""
    if channel[-2:] in (";1", ";2"):
        return channel[:-2]
    return channel


@dataclass
class TrackedCall:
    """The facts gathered so far about one of our calls."""

    call_uid: str
    flow: Flow
    linkedid: str
    started_at: datetime
    origin_base: str | None = None
    originate_reason: int | None = None
    open: set[str] = field(default_factory=set)  # Uniqueids not hung up yet
    up: set[str] = field(default_factory=set)  # Uniqueids that went Up
    seen_channel: bool = False
    rang: set[Leg] = field(default_factory=set)
    answered: set[Leg] = field(default_factory=set)
    customer_dialled: bool = False
    dial_status: str | None = None
    causes: dict[Leg, int] = field(default_factory=dict)
    cause_texts: dict[int, str] = field(default_factory=dict)
    bridges: dict[str, set[Leg]] = field(default_factory=dict)
    connected_at: datetime | None = None
    first_hangup: Party | None = None
    amd_heard: str | None = None  # AMDSTATUS seen in a VarSet, waiting for AMDCAUSE
    amd_status: str | None = None  # the detector's verdict, once emitted

    def leg_of(self, channel: str) -> Leg:
        """Which party a channel of this call belongs to."""
        origin = self.flow.origin_leg
        if self.origin_base is None or channel_base(channel) == self.origin_base:
            return origin
        return Leg.CUSTOMER if origin is Leg.AGENT else Leg.AGENT

    def facts(self) -> CallFacts:
        """The facts the outcome table weighs."""
        return CallFacts(
            agent_first=self.flow is Flow.AGENT_FIRST,
            originate_reason=self.originate_reason,
            dial_status=self.dial_status,
            customer_cause=self.causes.get(Leg.CUSTOMER),
            agent_cause=self.causes.get(Leg.AGENT),
            customer_answered=Leg.CUSTOMER in self.answered,
            customer_dialled=self.customer_dialled,
            agent_hung_up_first=self.first_hangup is Party.AGENT,
        )

    def seconds(self, ended_at: datetime) -> tuple[int, int]:
        """(wait, talk): until connected (or the end), and from connected to the end."""
        if self.connected_at is None:
            return _secs(ended_at - self.started_at), 0
        return _secs(self.connected_at - self.started_at), _secs(ended_at - self.connected_at)


@dataclass
class PendingGroup:
    """Events of a Linkedid not yet tied to a call: kept until we know whose it is."""

    linkedid: str
    created_at: datetime
    events: list[tuple[str, dict, datetime]] = field(default_factory=list)
    originated: bool = False  # an Originate created it: its OriginateResponse is still to come
    origin_channel: str = ""
    open: set[str] = field(default_factory=set)


def _secs(delta) -> int:
    return max(0, round(delta.total_seconds()))
