"""The telephony port: what the domain may ask of the PBX, and what it hears back.

No AMI word leaks through this module. The AMI adapter (``ami.py``) implements
:class:`TelephonyPort` and turns AMI messages into the events below; the
domain only ever sees these types.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


class TelephonyError(Exception):
    """The PBX refused a request or could not be reached."""


class TelephonyConfigError(TelephonyError):
    """The PBX rejected our credentials or settings; retrying will not help."""


class NotSent(TelephonyError):
    """The request never left for the PBX (no connection): nothing happened there."""


class UnsafeValueError(TelephonyError, ValueError):
    """A value would inject headers or dial-string separators into the PBX."""


class Leg(enum.StrEnum):
    AGENT = "agent"
    CUSTOMER = "customer"


class Party(enum.StrEnum):
    """Who ended a call."""

    AGENT = "agent"
    CUSTOMER = "customer"
    SYSTEM = "system"


class ExtensionState(enum.StrEnum):
    """Device state of an agent's extension, as the PBX sees it."""

    AVAILABLE = "available"  # registered, idle
    IN_USE = "in_use"
    RINGING = "ringing"
    BUSY = "busy"
    UNAVAILABLE = "unavailable"  # not registered / unreachable
    UNKNOWN = "unknown"


# ---------------------------------------------------------------- requests


@dataclass(frozen=True)
class AgentFirstCall:
    """Ring the agent's extension; once answered, dial the customer."""

    call_uid: str  # our id: goes in the ActionID and as channel variable DIALER_CALL_ID
    extension: str  # e.g. "1001"
    number: str  # customer number as the PBX should dial it (digits, may start with +)
    caller_id: str  # the campaign's caller id shown to the customer
    timeout_s: int = 30  # how long the agent's phone may ring
    dial_timeout_s: int = 30  # how long the customer's phone may ring
    variables: dict[str, str] = field(default_factory=dict)
    # Detect answering machines when the customer answers: "hangup" (hang up on a machine)
    # or "agent" (put it through); None: no detection.
    amd_action: str | None = None


@dataclass(frozen=True)
class CustomerFirstCall:
    """Dial the customer; once answered, put them in a queue.

    With ``abandon_after_s`` (predictive dialing) the customer waits that long at
    most: when no agent took them by then the PBX plays ``abandon_sound`` and
    hangs up, and the call ends answered with no agent (the dialer's ABANDON).
    """

    call_uid: str
    number: str
    queue: str
    caller_id: str
    timeout_s: int = 30
    variables: dict[str, str] = field(default_factory=dict)
    abandon_after_s: int = 0
    abandon_sound: str = ""
    # Answering-machine detection before the queue, as for AgentFirstCall (None: none).
    amd_action: str | None = None


@dataclass(frozen=True)
class RecordCall:
    """Record both parties of a live call into ``filename`` (a bare name, e.g. ``c42.wav``).

    The call is ours by ``call_uid`` (placed by the dialer) or, for an inbound queue
    call, by ``call_ref`` (the caller's Linkedid). The PBX writes the file in its
    recordings directory, which the web app reads (DIALER_RECORDINGS_DIR).
    """

    filename: str
    call_uid: str | None = None
    call_ref: str | None = None


@dataclass(frozen=True)
class LiveChannel:
    """One channel the PBX reports as up."""

    channel: str
    uniqueid: str
    linkedid: str
    state: str
    call_uid: str | None  # our call id when the channel belongs to a call we placed
    caller_number: str = ""
    connected_number: str = ""
    duration_s: int = 0


# ------------------------------------------------------------------ events


@dataclass(frozen=True)
class PortEvent:
    at: datetime


@dataclass(frozen=True)
class CallRinging(PortEvent):
    """A leg of one of our calls is ringing."""

    call_uid: str
    leg: Leg


@dataclass(frozen=True)
class CallAnswered(PortEvent):
    """A leg of one of our calls answered (agent leg: the customer is dialled next)."""

    call_uid: str
    leg: Leg


@dataclass(frozen=True)
class CallConnected(PortEvent):
    """Agent and customer are bridged: the talk timer starts here."""

    call_uid: str


@dataclass(frozen=True)
class CallEnded(PortEvent):
    """One of our calls is over. ``status`` is the brief's code (O4)."""

    call_uid: str
    status: str  # ANSWER | BUSY | NOANSWER | CANCEL | FAIL
    cause: int | None  # Q.850 hangup cause when known
    cause_text: str = ""
    hung_up_by: Party = Party.SYSTEM
    # False when the agent's own leg never answered, so the customer was never called:
    # such a call must not count against the lead (status is then FAIL or CANCEL).
    customer_dialled: bool = True
    wait_s: int = 0  # from the Originate until connected (or until the end, if never connected)
    talk_s: int = 0  # from connected (both parties bridged) until the end


class AmdStatus(enum.StrEnum):
    """What the PBX's answering-machine detection heard when the customer answered."""

    MACHINE = "MACHINE"
    HUMAN = "HUMAN"
    NOTSURE = "NOTSURE"
    HANGUP = "HANGUP"


@dataclass(frozen=True)
class CallAmdResult(PortEvent):
    """The answering-machine detection of one of our calls has spoken (once per call).

    The dialplan acts on it itself (hangs up on a machine or puts it through, as the
    call's variables ask); the domain records it and tells the agent.
    """

    call_uid: str
    status: AmdStatus
    cause: str = ""  # the detector's reason, e.g. LONGGREETING-2000-1500


@dataclass(frozen=True)
class QueueEvent(PortEvent):
    """Something happened to an inbound (queued) call. ``call_ref`` is the caller's Linkedid."""

    call_ref: str
    queue: str
    caller_number: str
    caller_name: str = ""
    call_uid: str | None = (
        None  # our call id when the queued call is one we placed (customer-first)
    )


@dataclass(frozen=True)
class QueueCallJoined(QueueEvent):
    position: int = 0


@dataclass(frozen=True)
class QueueCallOffered(QueueEvent):
    """The queue rings an agent (AgentCalled)."""

    extension: str = ""


@dataclass(frozen=True)
class QueueCallConnected(QueueEvent):
    extension: str = ""
    hold_s: int = 0
    ring_s: int = 0


@dataclass(frozen=True)
class QueueCallRingNoAnswer(QueueEvent):
    extension: str = ""
    ring_s: int = 0


@dataclass(frozen=True)
class QueueCallCompleted(QueueEvent):
    """The call ended after an agent took it: COMPLETEAGENT, COMPLETECALLER or TRANSFER."""

    extension: str = ""
    status: str = ""
    hold_s: int = 0
    talk_s: int = 0


@dataclass(frozen=True)
class QueueCallAbandoned(QueueEvent):
    """The caller hung up in the queue before reaching an agent (ABANDON)."""

    hold_s: int = 0
    position: int = 0


@dataclass(frozen=True)
class ExtensionStateChanged(PortEvent):
    extension: str
    state: ExtensionState


class Health(enum.StrEnum):
    UP = "up"
    DOWN = "down"
    RECONNECTED = "reconnected"
    CONFIG_ERROR = "config_error"


@dataclass(frozen=True)
class ConnectionHealth(PortEvent):
    health: Health
    detail: str = ""


EventHandler = Callable[[PortEvent], None]


# -------------------------------------------------------------------- port


class TelephonyPort(Protocol):
    """What the domain may ask of the PBX. Every method raises TelephonyError on failure."""

    def originate_agent_first(self, call: AgentFirstCall) -> None:
        """Queue the call at the PBX; the outcome arrives later as events."""

    def originate_customer_first(self, call: CustomerFirstCall) -> None:
        """Queue the call at the PBX; the outcome arrives later as events."""

    def hangup(self, call_uid: str) -> bool:
        """Hang up every channel of our call; False when none was up."""

    def live_channels(self) -> list[LiveChannel]:
        """Channels the PBX has up right now."""

    def start_recording(self, request: RecordCall) -> bool:
        """Start recording the call (MixMonitor); False when no channel of it is up."""

    def extension_state(self, extension: str) -> ExtensionState:
        """The device state of an agent's extension."""

    def queue_add(self, queue: str, extension: str, member_name: str = "") -> None:
        """Put the agent's extension in an inbound queue (idempotent)."""

    def queue_remove(self, queue: str, extension: str) -> None:
        """Take the agent's extension out of an inbound queue (idempotent)."""

    def queue_pause(self, extension: str, paused: bool, reason: str = "") -> None:
        """Stop (or resume) queue calls to the extension in every queue."""
