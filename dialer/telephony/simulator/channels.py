"""Channels, bridges and CDR records of the PBX simulator, and how AMI prints them."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from dialer.telephony.simulator.wire import STATE_DESC, Headers

UNKNOWN = "<unknown>"

# Hook phases a running application can react to while its channel is torn down.
BEGIN = "begin"  # before anything is said about the channel
PRE_HANGUP = "pre_hangup"  # after SoftHangupRequest, before Hangup
POST = "post"  # after Hangup: the channel snapshot is gone
PEER_LEFT = "peer_left"  # the other party of our bridge left; we are about to be hung up

Hook = Callable[[str, bool], None]


def var_base(name: str) -> str:
    """A variable's name without the inheritance underscores, as ast_var_name() sees it."""
    if name.startswith("__"):
        return name[2:]
    if name.startswith("_"):
        return name[1:]
    return name


def wall_stamp(epoch: float | None) -> str:
    """CDR time in UTC (cdr.conf usegmtime = yes); empty when the moment never came."""
    if epoch is None:
        return ""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch))


@dataclass
class CdrRecord:
    start: float
    answer: float | None = None
    dest: str = ""
    disposition: str = ""
    end: float | None = None
    lastapp: str = ""
    lastdata: str = ""


@dataclass(eq=False)
class Channel:
    name: str
    uniqueid: str
    linkedid: str
    context: str
    exten: str
    state: int = 0
    priority: int = 1
    cid_num: str = UNKNOWN
    cid_name: str = UNKNOWN
    conn_num: str = UNKNOWN
    conn_name: str = UNKNOWN
    app: str = ""
    appdata: str = ""
    variables: dict[str, str] = field(default_factory=dict)
    created: float = field(default_factory=time.monotonic)
    created_wall: float = field(default_factory=time.time)
    answered: float | None = None
    answered_wall: float | None = None
    bridge: Bridge | None = None
    partner: Channel | None = None
    is_pbx: bool = False
    hangup_cause: int = 0
    dial_status: str = ""
    dead: bool = False
    dying: bool = False
    task: asyncio.Task | None = None
    dialing: object | None = None  # the Dialing that waits for this outgoing channel
    hooks: list[Hook] = field(default_factory=list)
    cdr: CdrRecord | None = None
    cdr_done: list[CdrRecord] = field(default_factory=list)
    has_cdr: bool = True
    agent_ext: str = ""  # set on Local/<ext>@sim-agent channels: the agent device
    sends_audio: bool = True  # False when nothing behind it plays a sound (Answer waits longer)
    manager_vars: tuple[str, ...] = ()  # manager.conf channelvars: ChanVariable headers
    # The simulated outside world: this callee is an answering machine (what AMD() hears).
    is_answering_machine: bool = False

    def snapshot(self, prefix: str = "") -> Headers:
        """The channel block Asterisk puts in call events, optionally Dest-/LocalOne-prefixed."""
        return [
            (prefix + "Channel", self.name),
            (prefix + "ChannelState", str(self.state)),
            (prefix + "ChannelStateDesc", STATE_DESC.get(self.state, "Unknown")),
            (prefix + "CallerIDNum", self.cid_num),
            (prefix + "CallerIDName", self.cid_name),
            (prefix + "ConnectedLineNum", self.conn_num),
            (prefix + "ConnectedLineName", self.conn_name),
            (prefix + "Language", "en"),
            (prefix + "AccountCode", ""),
            (prefix + "Context", self.context),
            (prefix + "Exten", self.exten),
            (prefix + "Priority", str(self.priority)),
            (prefix + "Uniqueid", self.uniqueid),
            (prefix + "Linkedid", self.linkedid),
            *[(prefix + "ChanVariable", f"{n}={self.get_var(n) or ''}") for n in self.manager_vars],
        ]

    def get_var(self, name: str) -> str | None:
        """A channel variable by name, ignoring inheritance underscores on either side."""
        wanted = var_base(name)
        for key, value in self.variables.items():
            if var_base(key) == wanted:
                return value
        return None

    @property
    def is_up(self) -> bool:
        """True once answered (state Up)."""
        return self.state == 6

    @property
    def interface(self) -> str:
        """The queue member interface this channel belongs to (Local/<ext>@<context>)."""
        return self.name.rsplit("-", 1)[0]

    def callerid_text(self) -> str:
        """CallerID as the CDR prints it: "name" <num>."""
        name = "" if self.cid_name == UNKNOWN else self.cid_name
        num = "" if self.cid_num == UNKNOWN else self.cid_num
        return f'"{name}" <{num}>'

    def inheritable(self) -> dict[str, str]:
        """Variables a channel dialled from this one inherits (leading _ or __)."""
        inherited = {}
        for key, value in self.variables.items():
            if key.startswith("__"):
                inherited[key] = value
            elif key.startswith("_"):
                inherited[key[1:]] = value
        return inherited

    def run_hooks(self, phase: str, via_partner: bool) -> None:
        """Let the applications running on this channel react to its teardown."""
        for hook in list(self.hooks):
            hook(phase, via_partner)


@dataclass(eq=False)
class Bridge:
    uniqueid: str = field(default_factory=lambda: str(uuid.uuid4()))
    channels: list[Channel] = field(default_factory=list)

    def headers(self) -> Headers:
        """The bridge block of BridgeCreate/Enter/Leave/Destroy."""
        return [
            ("BridgeUniqueid", self.uniqueid),
            ("BridgeType", "basic"),
            ("BridgeTechnology", "simple_bridge"),
            ("BridgeCreator", UNKNOWN),
            ("BridgeName", UNKNOWN),
            ("BridgeNumChannels", str(len(self.channels))),
            ("BridgeVideoSourceMode", "none"),
        ]


def unanswered_disposition(chan: Channel) -> str:
    """What cdr_manager reports for a channel that never answered."""
    if chan.dial_status in ("BUSY", "CONGESTION"):
        return chan.dial_status
    if chan.hangup_cause == 17:
        return "BUSY"
    if chan.hangup_cause == 34:
        return "CONGESTION"
    if chan.hangup_cause == 0:
        return "FAILED"
    return "NO ANSWER"


def cdr_headers(chan: Channel, record: CdrRecord, speed: float) -> Headers:
    """One Cdr event for a record of the channel."""
    end = record.end if record.end is not None else time.time()
    duration = int((end - record.start) / speed)
    billable = int((end - record.answer) / speed) if record.answer is not None else 0
    source = "" if chan.cid_num == UNKNOWN else chan.cid_num
    return [
        ("Event", "Cdr"),
        ("Privilege", "cdr,all"),
        ("AccountCode", ""),
        ("Source", source),
        ("Destination", chan.exten),
        ("DestinationContext", chan.context),
        ("CallerID", chan.callerid_text()),
        ("Channel", chan.name),
        ("DestinationChannel", record.dest),
        ("LastApplication", record.lastapp),
        ("LastData", record.lastdata),
        ("StartTime", wall_stamp(record.start)),
        ("AnswerTime", wall_stamp(record.answer)),
        ("EndTime", wall_stamp(end)),
        ("Duration", str(duration)),
        ("BillableSeconds", str(billable)),
        ("Disposition", record.disposition),
        ("AMAFlags", "DOCUMENTATION"),
        ("UniqueID", chan.uniqueid),
        ("UserField", ""),
    ]
