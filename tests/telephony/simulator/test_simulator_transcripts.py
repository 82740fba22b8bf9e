"""The simulator against the recorded Asterisk transcripts, scenario by scenario.

Each test replays a transcript's client side on a real TCP socket (the same
actions, in the same order; a client action is sent once the events that
preceded it in the recording have arrived) and compares what comes back:
response texts, per-channel event sequences with their key headers, CDRs,
OriginateResponse, list actions, header order of every event kind, the greeting
and the CRLF framing. Ids, timestamps and the interleaving of different channels
(not strict on a real PBX either) are not compared; Newexten/VarSet/NewCallerid/
NewConnectedLine are compared as unordered multisets.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

import pytest

from dialer.telephony.simulator.pbx import PbxSimulator
from tests.telephony.transcripts import (
    CHANNEL_KEYS,
    CLIENT,
    NOTE,
    AmiRecorder,
    ChannelNames,
    Message,
    Transcript,
    load,
    names,
)

SPEED = 0.05  # the recorded scenarios last ~85 s in all: ~4 s here
WAIT_S = 5.0
QUIET_S = 0.15
NOISE = {"Newexten", "VarSet", "NewCallerid", "NewConnectedLine"}
LISTS = {
    "CoreShowChannel",
    "CoreShowChannelsComplete",
    "Status",
    "StatusComplete",
    "QueueParams",
    "QueueMember",
    "QueueEntry",
    "QueueStatusComplete",
    "QueueSummary",
    "QueueSummaryComplete",
    "ChannelHungup",
    "ChannelsHungupListComplete",
}
KEY_FIELDS = {
    "Newchannel": ("ChannelState", "Context", "Exten"),
    "Newstate": ("ChannelState",),
    "Hangup": ("Cause", "Cause-txt"),
    "HangupRequest": ("Cause",),
    "SoftHangupRequest": ("Cause",),
    "DialBegin": ("DestChannel", "DialString"),
    "DialState": ("DestChannel", "DialStatus"),
    "DialEnd": ("DestChannel", "DialStatus"),
    "BridgeEnter": ("BridgeNumChannels",),
    "BridgeLeave": ("BridgeNumChannels",),
    "QueueCallerJoin": ("Queue", "Position", "Count"),
    "QueueCallerLeave": ("Queue", "Position", "Count"),
    "QueueCallerAbandon": ("Queue", "Position"),
    "AgentCalled": ("Queue", "Interface", "MemberName", "DestChannel"),
    "AgentConnect": ("Queue", "Interface", "MemberName", "DestChannel"),
    "AgentComplete": ("Queue", "Interface", "MemberName", "Reason"),
    "AgentRingNoAnswer": ("Queue", "Interface", "MemberName", "RingTime", "DestChannel"),
}
LOCAL_NAME = re.compile(r"Local/[^;\s/]+-[0-9a-f]{8};[12]")


# ------------------------------------------------------------ normalising


def channel_of(message: Message, names: ChannelNames) -> str | None:
    """The channel an event is about: Channel, else DestChannel (Originate's own dial)."""
    return names.normalise(message.get("Channel") or message.get("DestChannel"))


def cover_key(message: Message, names: ChannelNames) -> tuple:
    if message.response and not message.event:
        return ("Response", message.get("ActionID"))
    name = message.event or "greeting"
    if name == "QueueMemberStatus":
        return (name, message.get("Interface"), message.get("Status"))
    if name in LISTS or name == "OriginateResponse":
        return (name, message.get("ActionID"), names.normalise(message.get("Channel")))
    return (name, channel_of(message, names))


def normalised_server(transcript: Transcript) -> tuple[list[Message], ChannelNames]:
    names = ChannelNames()
    for message in transcript.server:
        for key in CHANNEL_KEYS:
            names.normalise(message.get(key))
    return transcript.server, names


# ------------------------------------------------------------------ replay


class Replay:
    """Drives the simulator with a transcript's client messages."""

    def __init__(self, transcript: Transcript, pbx: PbxSimulator) -> None:
        self.transcript = transcript
        self.pbx = pbx
        self.theirs = ChannelNames()
        self.client = AmiRecorder(pbx.port)

    def covered(self, expected: list[Message]) -> bool:
        want = Counter(cover_key(m, self.theirs) for m in expected)
        have = Counter(cover_key(m, self.client.names) for m in self.client.messages)
        return all(have[key] >= count for key, count in want.items())

    def rewrite(self, raw: str) -> str:
        def ours(match: re.Match[str]) -> str:
            stable = self.theirs.normalise(match.group(0))
            return self.client.names.actual.get(stable or "", match.group(0))

        return LOCAL_NAME.sub(ours, raw)

    def run(self) -> AmiRecorder:
        seen: list[Message] = []
        for message in self.transcript.messages:
            if message.direction == "server":
                for key in CHANNEL_KEYS:
                    self.theirs.normalise(message.get(key))
                seen.append(message)
            elif message.direction == CLIENT:
                self.client.wait_until(lambda seen=seen: self.covered(seen))
                self.client.send(self.rewrite(message.raw))
            elif message.direction == NOTE and "core restart now" in message.raw:
                self.client.wait_until(lambda seen=seen: self.covered(seen))
                self.pbx.restart()
        everything = self.transcript.server
        self.client.wait_until(
            lambda: (
                self.covered(everything) and (self.client.eof or not self.transcript.ends_with_eof)
            )
        )
        self.client.read_quiet()
        self.client.close()
        return self.client


@pytest.fixture(scope="module")
def pbx() -> Iterator[PbxSimulator]:
    with PbxSimulator(username="dialer", secret="dialer-secret", speed=SPEED) as simulator:
        yield simulator


# -------------------------------------------------------------- comparing


def per_channel(messages: list[Message], names: ChannelNames) -> dict[str, list[tuple]]:
    sequences: dict[str, list[tuple]] = {}
    for message in messages:
        event = message.event
        if not event or event in NOISE or event in LISTS or event not in KEY_FIELDS:
            continue
        channel = channel_of(message, names)
        if channel is None:
            continue
        fields = tuple(
            names.normalise(message.get(key)) if key == "DestChannel" else message.get(key)
            for key in KEY_FIELDS[event]
        )
        sequences.setdefault(channel, []).append((event, *fields))
    return sequences


def noise(messages: list[Message], names: ChannelNames) -> Counter:
    bag: Counter = Counter()
    for message in messages:
        if message.event == "Newexten":
            fields = ("Context", "Priority", "Application", "AppData")
            bag[(names.normalise(message.get("Channel")), *(message.get(f) for f in fields))] += 1
        elif message.event == "VarSet":
            bag[(names.normalise(message.get("Channel")), "VarSet", message.get("Variable"))] += 1
        elif message.event in ("NewCallerid", "NewConnectedLine"):
            bag[(names.normalise(message.get("Channel")), message.event)] += 1
    return bag


def cdrs(messages: list[Message], names: ChannelNames) -> Counter:
    return Counter(
        (
            names.normalise(m.get("Channel")),
            m.get("Disposition"),
            names.normalise(m.get("DestinationChannel")),
        )
        for m in messages
        if m.event == "Cdr"
    )


def responses(messages: list[Message], names: ChannelNames) -> list[tuple]:
    volatile = {"Timestamp", "Output"}
    result = []
    for message in messages:
        if message.response and not message.event:
            result.append(
                tuple((k, v) for k, v in message.headers if k not in volatile)
                + (("Output", len([k for k, _v in message.headers if k == "Output"])),)
            )
    return result


def originate_responses(messages: list[Message], names: ChannelNames) -> dict[str, tuple]:
    keys = ("Response", "Context", "Exten", "Application", "Data", "Reason")
    keys += ("CallerIDNum", "CallerIDName")
    return {
        m.get("ActionID") or "": (
            names.normalise(m.get("Channel")),
            *(m.get(k) for k in keys),
            m.get("Uniqueid") == "<unknown>",
        )
        for m in messages
        if m.event == "OriginateResponse"
    }


def lists(messages: list[Message], names: ChannelNames) -> Counter:
    fields = {
        "CoreShowChannel": ("ChannelState", "Context", "Exten", "Application", "ApplicationData"),
        "Status": ("ChannelState", "Context", "Exten", "Application", "Data"),
        "QueueParams": ("Queue", "Strategy", "Calls"),
        "QueueMember": ("Queue", "Name", "Location", "Membership", "Status", "Paused"),
        "QueueSummary": ("Queue", "LoggedIn", "Available", "Callers"),
    }
    bag: Counter = Counter()
    for message in messages:
        if message.event in LISTS:
            values = tuple(message.get(f) for f in fields.get(message.event, ()))
            count = (message.get("ListItems"), message.get("Items"))
            channel = names.normalise(message.get("Channel"))
            bag[(message.get("ActionID"), message.event, channel, *values, *count)] += 1
    return bag


# Ids, clocks, durations and counters that depend on the PBX's history are not compared.
VOLATILE = {
    "Uniqueid",
    "Linkedid",
    "DestUniqueid",
    "DestLinkedid",
    "UniqueID",
    "LocalOneUniqueid",
    "LocalOneLinkedid",
    "LocalTwoUniqueid",
    "LocalTwoLinkedid",
    "BridgeUniqueid",
    "BridgeId",
    "BridgeID",
    "EventTV",
    "SessionID",
    "SessionTV",
    "LocalAddress",
    "RemoteAddress",
    "StartTime",
    "AnswerTime",
    "EndTime",
    "Duration",
    "BillableSeconds",
    "Seconds",
    "Uptime",
    "LastReload",
    "LoginTime",
    "LastCall",
    "CallsTaken",
    "Completed",
    "Holdtime",
    "HoldTime",
    "TalkTime",
    "RingTime",
    "ServicelevelPerf",
    "ServicelevelPerf2",
}
TIMED_VARIABLES = re.compile(r"TIME|QUEUEWAIT")
# Whether the customer's leg already rang when Dial() reported DialBegin is a race in
# Asterisk itself (ringing in 22, not in 01).
RACY = {("DialBegin", "DestChannelState"), ("DialBegin", "DestChannelStateDesc")}


def field_values(messages: list[Message], names: ChannelNames) -> Counter:
    """Every other header value of every event, as a multiset per event and channel."""
    bag: Counter = Counter()
    for message in messages:
        event = message.event
        if not event or event in ("QueueMemberStatus", "ExtensionStatus"):
            continue
        channel = channel_of(message, names) or names.normalise(message.get("LocalOneChannel"))
        for key, value in message.headers:
            if key in VOLATILE or key in ("Event", "ActionID") or (event, key) in RACY:
                continue
            if key == "Value" and TIMED_VARIABLES.search(message.get("Variable") or ""):
                continue
            if key.endswith("Channel") or key == "Value":
                value = names.normalise(value) or ""
            bag[(event, channel, key, value)] += 1
    return bag


def header_orders(messages: list[Message]) -> dict[str, set[tuple[str, ...]]]:
    orders: dict[str, set[tuple[str, ...]]] = {}
    for message in messages:
        if message.event:
            keys = tuple(k for k, _v in message.headers if k not in ("Variable", "ActionID"))
            orders.setdefault(message.event, set()).add(keys)
    return orders


def queue_member_statuses(messages: list[Message]) -> dict[tuple, list[str]]:
    statuses: dict[tuple, list[str]] = {}
    for message in messages:
        if message.event == "QueueMemberStatus":
            key = (message.get("Queue"), message.get("Interface"))
            series = statuses.setdefault(key, [])
            status = message.get("Status") or ""
            if not series or series[-1] != status:
                series.append(status)
    return statuses


def is_subsequence(short: list[str], long: list[str]) -> bool:
    remaining = iter(long)
    return all(item in remaining for item in short)


def agent_completes(messages: list[Message]) -> Counter:
    fields = ("Queue", "Interface", "MemberName", "Reason")
    return Counter(
        (tuple(m.get(f) for f in fields), m.get("Channel") is None)
        for m in messages
        if m.event == "AgentComplete"
    )


def counts(messages: list[Message], *events: str) -> Counter:
    return Counter(m.event for m in messages if m.event in events)


def assert_crlf_framing(data: bytes) -> None:
    greeting = b"Asterisk Call Manager/11.0.0\r\n"
    assert data.startswith(greeting)
    assert re.search(rb"(?<!\r)\n", data) is None  # every line ends in CRLF
    body = data[len(greeting) :]
    assert body.endswith(b"\r\n\r\n")
    for block in body.split(b"\r\n\r\n")[:-1]:
        assert block, "an empty message"
        assert all(b": " in line or line.endswith(b":") for line in block.split(b"\r\n")), block


# ------------------------------------------------------------------- tests


@pytest.mark.parametrize("name", names())
def test_scenario_matches_the_recorded_asterisk(name: str, pbx: PbxSimulator) -> None:
    transcript = load(name)
    client = Replay(transcript, pbx).run()
    ours, ours_names = client.messages, client.names
    theirs, their_names = normalised_server(transcript)

    assert ours[0].raw == theirs[0].raw  # the greeting, byte for byte
    assert_crlf_framing(client.data)
    assert responses(ours, ours_names) == responses(theirs, their_names)
    assert per_channel(ours, ours_names) == per_channel(theirs, their_names)
    assert noise(ours, ours_names) == noise(theirs, their_names)
    assert cdrs(ours, ours_names) == cdrs(theirs, their_names)
    assert originate_responses(ours, ours_names) == originate_responses(theirs, their_names)
    assert lists(ours, ours_names) == lists(theirs, their_names)
    assert agent_completes(ours) == agent_completes(theirs)
    assert field_values(ours, ours_names) == field_values(theirs, their_names)
    bridge_and_system = ("BridgeCreate", "BridgeDestroy", "Shutdown", "FullyBooted")
    security = ("SuccessfulAuth", "RequestBadFormat")
    assert counts(ours, *bridge_and_system, *security) == counts(
        theirs, *bridge_and_system, *security
    )
    for key, series in queue_member_statuses(theirs).items():
        assert is_subsequence(series, queue_member_statuses(ours).get(key, []))
    their_orders, our_orders = header_orders(theirs), header_orders(ours)
    for event, orders in their_orders.items():
        assert our_orders.get(event, set()) <= orders, event
    assert client.eof == transcript.ends_with_eof
