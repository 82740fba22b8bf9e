"""Calls through the simulator over a real socket: every outcome of the reference dialplan."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from dialer.telephony.simulator.pbx import PbxSimulator
from dialer.telephony.simulator.trace import Trace
from tests.telephony.transcripts import AmiRecorder, Message

USER, SECRET, SPEED = "dialer", "sim-test-secret", 0.01

# README of the transcripts: customer-first OriginateResponse by the number's last digit.
CUSTOMER_FIRST = {
    "0": ("Success", "4"),
    "1": ("Failure", "5"),
    "2": ("Failure", "3"),
    "3": ("Failure", "8"),
    "4": ("Success", "4"),
    "5": ("Failure", "0"),
    "6": ("Success", "4"),
    "7": ("Success", "4"),
    "8": ("Failure", "0"),
    "9": ("Success", "4"),
}
# Agent-first: the DialStatus of Dial() towards the customer, and the customer ;2's cause.
AGENT_FIRST = {
    "0": ("ANSWER", "16"),
    "1": ("BUSY", "17"),
    "2": ("NOANSWER", "0"),
    "3": ("CONGESTION", "34"),
    "4": ("ANSWER", "16"),
    "5": ("NOANSWER", "1"),
    "6": ("ANSWER", "16"),
    "7": ("ANSWER", "16"),
    "8": ("NOANSWER", "21"),
    "9": ("ANSWER", "16"),
}


@pytest.fixture
def pbx() -> Iterator[PbxSimulator]:
    with PbxSimulator(username=USER, secret=SECRET, speed=SPEED) as simulator:
        yield simulator


@pytest.fixture
def ami(pbx: PbxSimulator) -> Iterator[AmiRecorder]:
    with AmiRecorder(pbx.port) as client:
        assert client.login(USER, SECRET).get("Message") == "Authentication accepted"
        yield client


def agent_first(ami: AmiRecorder, agent: str, number: str, **extra: str | list[str]) -> str:
    return ami.action(
        "Originate",
        Channel=f"Local/{agent}@sim-agent",
        Context="dialer-bridge",
        Exten=number,
        Priority="1",
        CallerID=f'"Agent {agent}" <{agent}>',
        Timeout="30000",
        Async="true",
        **extra,
    )


def originate_response(ami: AmiRecorder, action_id: str) -> Message:
    return ami.event("OriginateResponse", ActionID=action_id)


def test_customer_first_outcome_is_picked_by_the_last_digit(ami: AmiRecorder) -> None:
    ids = {
        digit: ami.action(
            "Originate",
            Channel=f"Local/555123000{digit}@sim-callee",
            Context="dialer-queue",
            Exten="support",
            Priority="1",
            CallerID='"Campaign 7" <5550007>',
            Timeout="60000",  # 6 rings 20 s first
            Async="true",
        )
        for digit in CUSTOMER_FIRST
    }
    for digit, action_id in ids.items():
        assert ami.response(action_id).get("Message") == "Originate successfully queued"
        result = originate_response(ami, action_id)
        assert (result.get("Response"), result.get("Reason")) == CUSTOMER_FIRST[digit], digit
        if result.get("Response") == "Failure":
            assert result.get("Channel") == f"Local/555123000{digit}@sim-callee"
            assert result.get("Uniqueid") == "<unknown>"
        else:
            assert result.get("Channel", "").startswith(f"Local/555123000{digit}@sim-callee-")


def test_agent_first_dial_status_and_cause_follow_the_last_digit(ami: AmiRecorder) -> None:
    ids = {
        digit: agent_first(ami, f"10{index:02d}", f"555123000{digit}", Variable="DIAL_TIMEOUT=45")
        for index, digit in enumerate(AGENT_FIRST, start=1)
    }
    for digit, action_id in ids.items():
        agent_leg = originate_response(ami, action_id)
        assert agent_leg.get("Response") == "Success"
        dial_end = ami.event("DialEnd", Channel=agent_leg.get("Channel"))
        customer = dial_end.get("DestChannel") or ""
        assert customer.startswith(f"Local/555123000{digit}@sim-callee-")
        if digit == "4":  # the customer stays on the line until someone hangs up
            ami.action("Hangup", Channel=agent_leg.get("Channel"))
        hangup = ami.event("Hangup", Channel=customer[:-1] + "2")
        assert (dial_end.get("DialStatus"), hangup.get("Cause")) == AGENT_FIRST[digit], digit


def test_all_legs_of_a_call_share_the_linkedid_and_pairs_have_consecutive_ids(
    ami: AmiRecorder,
) -> None:
    action_id = agent_first(ami, "1001", "5551230000")
    agent_leg = originate_response(ami, action_id)
    ami.event("Hangup", Channel=agent_leg.get("Channel"))
    channels = {m.get("Channel"): m for m in ami.events("Newchannel")}
    assert len(channels) == 4
    assert {m.get("Linkedid") for m in channels.values()} == {agent_leg.get("Uniqueid")}
    for name, first in channels.items():
        if name and name.endswith(";1"):
            second = channels[name[:-1] + "2"]
            epoch, seq = first.get("Uniqueid", "").split(".")
            assert second.get("Uniqueid", "").endswith(f".{int(seq) + 1}")


def test_agent_extensions_answer_ring_or_are_busy(ami: AmiRecorder) -> None:
    ringing = ami.action(
        "Originate",
        Channel="Local/2001@sim-agent",
        Context="dialer-bridge",
        Exten="5551230000",
        Priority="1",
        Timeout="3000",
        Async="true",
    )
    busy = agent_first(ami, "3001", "5551230000")
    unknown = agent_first(ami, "4001", "5551230000")
    assert originate_response(ami, ringing).get("Reason") == "3"
    assert originate_response(ami, busy).get("Reason") == "5"
    assert originate_response(ami, unknown).get("Reason") == "0"
    newchannels = [m.get("Channel") or "" for m in ami.events("Newchannel")]
    assert not any("sim-callee" in name for name in newchannels)  # no customer was dialled


def test_an_unregistered_agent_cannot_be_reached(pbx: PbxSimulator, ami: AmiRecorder) -> None:
    pbx.set_registered("1001", False)
    result = originate_response(ami, agent_first(ami, "1001", "5551230000"))
    assert (result.get("Response"), result.get("Reason")) == ("Failure", "0")
    assert ami.event("Hangup", Cause="20").get("Channel", "").endswith(";2")


def test_number_with_plus_and_s_extension_reach_the_customer(ami: AmiRecorder) -> None:
    plus = agent_first(ami, "1001", "+5551230001")
    by_variable = agent_first(ami, "1002", "s", Variable="NUMBER=5551230003")
    plus_leg = originate_response(ami, plus).get("Channel")
    variable_leg = originate_response(ami, by_variable).get("Channel")
    begin = ami.event("DialBegin", Channel=plus_leg)
    assert begin.get("DialString") == "5551230001@sim-callee"
    assert ami.event("DialEnd", Channel=plus_leg).get("DialStatus") == "BUSY"
    assert ami.event("DialEnd", Channel=variable_leg).get("DialStatus") == "CONGESTION"


def test_call_id_variable_is_visible_on_the_channels(ami: AmiRecorder) -> None:
    action_id = agent_first(
        ami,
        "1001",
        "5551230004",
        Variable=["DIALER_CALL_ID=call-42", "__DIALER_TRACE=t-7,CAMPAIGN_ID=9"],
    )
    agent = originate_response(ami, action_id).get("Channel") or ""
    customer = ami.event("BridgeEnter", BridgeNumChannels="1").get("Channel") or ""
    ami.event("BridgeEnter", Channel=agent)
    for half in (agent, agent[:-1] + "2"):
        assert (
            ami.event("VarSet", Channel=half, Variable="DIALER_CALL_ID").get("Value") == "call-42"
        )

    def getvar(channel: str, variable: str) -> str | None:
        return ami.response(ami.action("Getvar", Channel=channel, Variable=variable)).get("Value")

    assert getvar(agent, "DIALER_CALL_ID") == "call-42"
    assert getvar(agent, "CAMPAIGN_ID") == "9"
    assert getvar(customer, "DIALER_CALL_ID") == ""  # not inherited without underscores
    assert getvar(customer, "DIALER_TRACE") == "t-7"  # __ variables follow the call
    status_id = ami.action("Status", Variables="DIALER_CALL_ID")
    ami.event("StatusComplete", ActionID=status_id)
    row = next(m for m in ami.events("Status") if m.get("Channel") == agent)
    assert ("Variable", "DIALER_CALL_ID=call-42") in row.headers
    listing = ami.action("CoreShowChannels")
    assert ami.event("CoreShowChannelsComplete", ActionID=listing).get("ListItems") == "4"


def test_originate_can_choose_the_uniqueids(ami: AmiRecorder) -> None:
    action_id = agent_first(
        ami, "1001", "5551230001", ChannelId="call-7-a", OtherChannelId="call-7-b"
    )
    result = originate_response(ami, action_id)
    assert result.get("Uniqueid") == "call-7-a"
    assert ami.event("Newchannel", Uniqueid="call-7-b").get("Linkedid") == "call-7-a"


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"Context": "dialer-bridge", "Exten": "5551230000"}, "Channel not specified"),
        ({"Channel": "Local/1001@sim-agent", "Timeout": "soon"}, "Invalid timeout"),
        ({"Channel": "nonsense", "Application": "Wait"}, "Invalid channel"),
        (
            {
                "Channel": "Local/1001@sim-agent",
                "Context": "nowhere",
                "Exten": "1",
                "Priority": "1",
            },
            "Extension does not exist.",
        ),
    ],
)
def test_bad_originate_is_refused_with_asterisks_words(
    ami: AmiRecorder, headers: dict[str, str], message: str
) -> None:
    reply = ami.response(ami.action("Originate", Async="true", **headers))
    assert (reply.get("Response"), reply.get("Message")) == ("Error", message)


def test_hangup_by_uniqueid_by_regex_and_refusals(ami: AmiRecorder) -> None:
    agent = originate_response(ami, agent_first(ami, "1001", "5551230004"))
    ami.event("BridgeEnter", Channel=agent.get("Channel"))
    reply = ami.response(ami.action("Hangup", Channel=agent.get("Uniqueid"), Cause="16"))
    assert reply.get("Message") == "Channel Hungup"
    assert ami.event("Hangup", Channel=agent.get("Channel")).get("Cause") == "16"
    nothing = ami.action("Hangup", Channel="/^Local\\/9999@.*$/")
    assert ami.event("ChannelsHungupListComplete", ActionID=nothing).get("ListItems") == "0"
    missing = ami.response(ami.action("Hangup"))
    assert missing.get("Message") == "No channel specified"


def test_cancelling_before_the_customer_answers(ami: AmiRecorder) -> None:
    agent = originate_response(ami, agent_first(ami, "1001", "5551230002")).get("Channel")
    ami.event("DialState", Channel=agent, DialStatus="RINGING")
    ami.response(ami.action("Hangup", Channel=agent))
    assert ami.event("DialEnd", Channel=agent).get("DialStatus") == "CANCEL"


def test_synchronous_originate_answers_after_the_call_is_up(ami: AmiRecorder) -> None:
    action_id = ami.action(
        "Originate", Channel="Local/5551230009@sim-callee", Application="Wait", Data="1"
    )
    reply = ami.response(action_id)
    assert reply.get("Message") == "Originate successfully queued"
    before = ami.messages[: ami.messages.index(reply)]
    assert not [m for m in before if m.event == "Newchannel"]  # events were held back
    ami.event("Newchannel")
    ami.read_quiet()
    assert not ami.events("OriginateResponse")


def test_hundreds_of_pipelined_originates_each_get_their_outcome(ami: AmiRecorder) -> None:
    frame = (
        "Action: Originate\r\nActionID: bulk-{n}\r\nChannel: Local/55500{n:03d}1@sim-callee\r\n"
        "Context: dialer-queue\r\nExten: support\r\nPriority: 1\r\nAsync: true\r\n\r\n"
    )
    ami.send("".join(frame.format(n=n) for n in range(300)))
    expected = {f"bulk-{n}" for n in range(300)}

    def all_answered() -> bool:
        return {m.get("ActionID") for m in ami.events("OriginateResponse")} >= expected

    assert ami.wait_until(all_answered, timeout=30)
    reasons = {m.get("Reason") for m in ami.events("OriginateResponse")}
    assert reasons == {"5"}  # every number ends in 1: busy


def test_answer_faults_drop_or_delay_the_customers_answer(tmp_path) -> None:
    """--answer-faults 1: every answer is lost (no answer at the Dial timeout) or comes late."""
    trace = (tmp_path / "trace.jsonl").open("w", encoding="utf-8")
    with (
        PbxSimulator(username=USER, secret=SECRET, speed=SPEED, answer_faults=1.0) as faulty,
        AmiRecorder(faulty.port) as ami,
    ):
        faulty.server.trace = Trace(trace)
        ami.login(USER, SECRET)
        outcomes = []
        for index in range(12):
            action_id = agent_first(ami, f"10{index:02d}", "5551230009", Variable="DIAL_TIMEOUT=20")
            agent_leg = originate_response(ami, action_id)
            dial_end = ami.event("DialEnd", Channel=agent_leg.get("Channel"))
            outcomes.append(dial_end.get("DialStatus"))
    trace.close()
    # Digit 9 answers at once when nothing is injected; here each answer is dropped
    # (NOANSWER after the 20 s Dial timeout) or delayed (ANSWER, 8 s late), never on time.
    assert set(outcomes) == {"NOANSWER", "ANSWER"}
    lines = [json.loads(line) for line in (tmp_path / "trace.jsonl").read_text().splitlines()]
    originates = [line for line in lines if line.get("action") == "Originate"]
    assert len(originates) == 12 and all(line["ActionID"] for line in originates)
    waits = [line for line in lines if line.get("Event") == "Newexten"]
    assert waits and all(line["t"] >= originates[0]["t"] for line in waits)


def test_answer_faults_must_be_a_fraction() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        PbxSimulator(username=USER, secret=SECRET, answer_faults=1.5).start()
