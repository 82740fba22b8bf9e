"""The simulator's AMI sessions, queues, agent devices and failure injection, over TCP."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from dialer.telephony.simulator.pbx import PbxSimulator
from tests.telephony.transcripts import AmiRecorder, load

USER, SECRET, SPEED = "dialer", "sim-test-secret", 0.01
SILENCE_S = 0.3  # how long "nothing comes back" is watched for


@pytest.fixture
def pbx() -> Iterator[PbxSimulator]:
    with PbxSimulator(username=USER, secret=SECRET, speed=SPEED) as simulator:
        yield simulator


@pytest.fixture
def ami(pbx: PbxSimulator) -> Iterator[AmiRecorder]:
    with AmiRecorder(pbx.port) as client:
        assert client.login(USER, SECRET).get("Message") == "Authentication accepted"
        yield client


def inbound(ami: AmiRecorder, seconds: int = 60, number: str = "5551239999") -> str:
    return ami.action(
        "Originate",
        Channel="Local/5550100@inbound",
        Application="Wait",
        Data=str(seconds),
        CallerID=f'"Customer" <{number}>',
        Async="true",
    )


# ---------------------------------------------------------------- sessions


def test_login_reply_is_byte_for_byte_asterisks(pbx: PbxSimulator) -> None:
    recorded = load(1).server
    with AmiRecorder(pbx.port) as client:
        client.send(load(1).client[0].raw.replace("dialer-secret", SECRET))
        client.wait_until(lambda: len(client.messages) >= 3)
        assert client.messages[0].raw == recorded[0].raw
        assert client.messages[1].raw == recorded[1].raw
        assert [k for k, _v in client.messages[2].headers] == [k for k, _v in recorded[2].headers]


@pytest.mark.parametrize(("username", "secret"), [(USER, "wrong"), ("intruder", SECRET)])
def test_bad_login_is_refused_and_the_socket_closed(
    pbx: PbxSimulator, username: str, secret: str
) -> None:
    with AmiRecorder(pbx.port) as client:
        reply = client.login(username, secret)
        assert (reply.get("Response"), reply.get("Message")) == ("Error", "Authentication failed")
        assert client.wait_until(lambda: client.eof)


def test_actions_before_login_are_denied_and_login_still_works(pbx: PbxSimulator) -> None:
    with AmiRecorder(pbx.port) as client:
        assert client.response(client.action("Ping")).get("Message") == "Permission denied"
        assert client.login(USER, SECRET).get("Response") == "Success"
        assert client.response(client.action("Ping")).get("Ping") == "Pong"


def test_a_message_split_across_many_writes_is_answered(pbx: PbxSimulator) -> None:
    with AmiRecorder(pbx.port) as client:
        raw = f"Action: Login\r\nActionID: slow\r\nUsername: {USER}\r\nSecret: {SECRET}\r\n\r\n"
        for char in raw:
            client.send(char)
        assert client.response("slow").get("Message") == "Authentication accepted"


def test_logoff_says_goodbye_then_closes(ami: AmiRecorder) -> None:
    reply = ami.response(ami.action("Logoff"))
    assert (reply.get("Response"), reply.get("Message")) == ("Goodbye", "Thanks for all the fish.")
    assert ami.wait_until(lambda: ami.eof)


def test_login_with_events_off_gets_no_fully_booted(pbx: PbxSimulator) -> None:
    with AmiRecorder(pbx.port) as client:
        client.login(USER, SECRET, Events="off")
        pong = client.response(client.action("Ping"))
        assert not client.events()
        assert pong.get("Ping") == "Pong"


def test_event_masks_filter_what_a_session_hears(pbx: PbxSimulator, ami: AmiRecorder) -> None:
    with AmiRecorder(pbx.port) as quiet, AmiRecorder(pbx.port) as calls_only:
        quiet.login(USER, SECRET)
        calls_only.login(USER, SECRET)
        assert quiet.response(quiet.action("Events", EventMask="off")).get("Events") == "Off"
        assert (
            calls_only.response(calls_only.action("Events", EventMask="call")).get("Events") == "On"
        )
        seen_before = len(quiet.events())
        ami.event(
            "Hangup",
            Channel=ami.event("OriginateResponse", ActionID=inbound(ami, 1)).get("Channel"),
        )
        calls_only.event("Hangup")
        quiet.response(quiet.action("Ping"))
        assert len(quiet.events()) == seen_before
        assert calls_only.events("Newchannel")
        assert not calls_only.events("Newexten") and not calls_only.events("Cdr")


def test_unknown_action_gets_asterisks_error_and_a_security_event(ami: AmiRecorder) -> None:
    reply = ami.response(ami.action("NoSuchAction"))
    assert reply.get("Message") == (
        "Invalid/unknown command: NoSuchAction. "
        "Use Action: ListCommands to show available commands."
    )
    assert ami.event("RequestBadFormat").get("RequestType") == "Action: NoSuchAction"


def test_getvar_and_command_refusals(ami: AmiRecorder) -> None:
    assert ami.response(ami.action("Getvar")).get("Message") == "No variable specified"
    missing = ami.response(ami.action("Getvar", Channel="Local/1@x-0000;1", Variable="A"))
    assert missing.get("Message") == "No such channel"
    unknown = ami.response(ami.action("Command", Command="frobnicate now"))
    assert unknown.get("Response") == "Error"
    assert unknown.get("Output", "").startswith("No such command 'frobnicate now'")


def test_core_show_channels_concise_lists_the_live_channels(ami: AmiRecorder) -> None:
    agent = ami.event("OriginateResponse", ActionID=inbound(ami)).get("Channel") or ""
    ami.event("AgentConnect")
    reply = ami.response(ami.action("Command", Command="core show channels concise"))
    lines = [v for k, v in reply.headers if k == "Output"]
    assert len(lines) == 4
    assert any(line.startswith(agent + "!inbound!5550100!") for line in lines)


# ------------------------------------------------------------------ queues


def test_queue_membership_changes_with_asterisks_answers(
    pbx: PbxSimulator, ami: AmiRecorder
) -> None:
    def reply(action: str, **headers: str) -> tuple[str | None, str | None]:
        message = ami.response(ami.action(action, **headers))
        return message.get("Response"), message.get("Message")

    member = {"Queue": "support", "Interface": "Local/1005@sim-agent"}
    assert reply("QueueAdd", MemberName="Agent 1005", **member) == (
        "Success",
        "Added interface to queue",
    )
    assert ami.event("QueueMemberAdded").get("Membership") == "dynamic"
    assert reply("QueueAdd", **member) == ("Error", "Unable to add interface: Already there")
    assert reply("QueueAdd", Queue="nope", Interface="Local/1005@sim-agent") == (
        "Error",
        "Unable to add interface to queue: No such queue",
    )
    assert reply("QueuePause", Paused="true", Reason="lunch", **member) == (
        "Success",
        "Interface paused successfully",
    )
    assert ami.event("QueueMemberPause").get("PausedReason") == "lunch"
    assert reply("QueuePause", Interface="Local/9999@sim-agent", Paused="true") == (
        "Error",
        "Interface not found",
    )
    assert [(m.interface, m.paused) for m in pbx.queue_members("support")] == [
        ("Local/1001@sim-agent", False),
        ("Local/1005@sim-agent", True),
    ]
    assert reply("QueueRemove", **member) == ("Success", "Removed interface from queue")
    assert reply("QueueRemove", **member) == ("Error", "Unable to remove interface: Not there")
    static = {"Queue": "support", "Interface": "Local/1001@sim-agent"}
    assert reply("QueueRemove", **static) == ("Error", "Member not dynamic")
    assert reply("QueueRemove", Queue="support") == (
        "Error",
        "Need 'Queue' and 'Interface' parameters.",
    )


def test_a_paused_agent_is_not_offered_calls_until_unpaused(ami: AmiRecorder) -> None:
    ami.response(ami.action("QueuePause", Interface="Local/1001@sim-agent", Paused="true"))
    inbound(ami)
    ami.event("QueueCallerJoin", Queue="support")
    status = ami.action("QueueStatus", Queue="support")
    ami.event("QueueStatusComplete", ActionID=status)
    assert ami.event("QueueEntry", ActionID=status).get("Position") == "1"
    assert not ami.events("AgentCalled")
    ami.response(ami.action("QueuePause", Interface="Local/1001@sim-agent", Paused="false"))
    connect = ami.event("AgentConnect")
    assert connect.get("Interface") == "Local/1001@sim-agent"


def test_an_added_agent_takes_calls_in_rrmemory_order(ami: AmiRecorder) -> None:
    for agent in ("2002", "1002"):
        ami.response(ami.action("QueuePause", Interface=f"Local/{agent}@sim-agent", Paused="1"))
    ami.response(ami.action("QueueAdd", Queue="sales", Interface="Local/1007@sim-agent"))
    ami.action(
        "Originate",
        Channel="Local/5551230004@sim-callee",
        Context="dialer-queue",
        Exten="sales",
        Priority="1",
        Async="true",
    )
    assert ami.event("AgentConnect", Queue="sales").get("Interface") == "Local/1007@sim-agent"


def test_ringall_rings_every_free_agent_and_cancels_the_others(ami: AmiRecorder) -> None:
    ami.response(ami.action("QueueAdd", Queue="support", Interface="Local/2005@sim-agent"))
    inbound(ami)
    connect = ami.event("AgentConnect")
    called = {m.get("Interface") for m in ami.events("AgentCalled")}
    assert called == {"Local/1001@sim-agent", "Local/2005@sim-agent"}
    assert connect.get("Interface") == "Local/1001@sim-agent"
    cancelled = ami.event("DialEnd", DialStatus="CANCEL")
    assert (cancelled.get("DestChannel") or "").startswith("Local/2005@sim-agent-")


def test_caller_hanging_up_in_the_queue_is_an_abandon(ami: AmiRecorder) -> None:
    ami.response(ami.action("QueuePause", Interface="Local/1001@sim-agent", Paused="true"))
    caller = ami.event("OriginateResponse", ActionID=inbound(ami)).get("Channel")
    ami.event("QueueCallerJoin")
    ami.response(ami.action("Hangup", Channel=caller))
    abandon = ami.event("QueueCallerAbandon")
    assert (abandon.get("Queue"), abandon.get("Position")) == ("support", "1")
    assert ami.event("QueueCallerLeave").get("Count") == "0"


def test_agent_hanging_up_completes_with_reason_agent(ami: AmiRecorder) -> None:
    inbound(ami)
    agent_leg = ami.event("AgentConnect").get("DestChannel")
    ami.response(ami.action("Hangup", Channel=agent_leg))
    complete = ami.event("AgentComplete")
    assert (complete.get("Reason"), complete.get("Interface")) == ("agent", "Local/1001@sim-agent")
    summary = ami.action("QueueSummary", Queue="support")
    assert ami.event("QueueSummary", ActionID=summary).get("Available") == "1"


def test_unregistered_member_is_unavailable_and_not_rung(
    pbx: PbxSimulator, ami: AmiRecorder
) -> None:
    pbx.set_registered("1001", False)
    inbound(ami)
    ami.event("QueueCallerJoin")  # a member would have been rung in the same step
    assert not ami.events("AgentCalled")
    status = ami.action("QueueStatus", Queue="support")
    assert ami.event("QueueMember", ActionID=status).get("Status") == "5"


# ------------------------------------------------------------ agent devices


@pytest.mark.parametrize(
    ("exten", "context", "status", "text", "hint"),
    [
        ("1001", "sim-agent", "0", "Idle", "Local/1001@sim-agent"),
        ("2002", "sim-agent", "0", "Idle", "Local/2002@sim-agent"),
        ("3001", "sim-agent", "2", "Busy", "Local/3001@sim-agent"),
        ("9999", "sim-agent", "-1", "Unknown", ""),
        ("1001", "default", "-1", "Unknown", ""),
    ],
)
def test_extension_state_of_agent_extensions(
    ami: AmiRecorder, exten: str, context: str, status: str, text: str, hint: str
) -> None:
    reply = ami.response(ami.action("ExtensionState", Exten=exten, Context=context))
    assert reply.get("Message") == "Extension Status"
    assert (reply.get("Status"), reply.get("StatusText"), reply.get("Hint")) == (status, text, hint)


def test_extension_state_follows_calls_and_registration(
    pbx: PbxSimulator, ami: AmiRecorder
) -> None:
    def state() -> str | None:
        return ami.response(ami.action("ExtensionState", Exten="1001", Context="sim-agent")).get(
            "Status"
        )

    inbound(ami)
    ami.event("AgentConnect")
    assert state() == "1"
    assert ami.event("ExtensionStatus", Exten="1001", Status="1").get("StatusText") == "InUse"
    pbx.set_registered("1002", False)
    assert ami.event("ExtensionStatus", Exten="1002").get("StatusText") == "Unavailable"
    reply = ami.response(ami.action("ExtensionState", Exten="1002", Context="sim-agent"))
    assert reply.get("Status") == "4"


# -------------------------------------------------------- failure injection


def test_drop_connections_resets_every_client(pbx: PbxSimulator, ami: AmiRecorder) -> None:
    pbx.drop_connections()
    assert ami.wait_until(lambda: ami.eof)
    assert ami.reset
    assert not [m for m in ami.messages if m.response == "Goodbye"]
    with AmiRecorder(pbx.port) as again:
        assert again.login(USER, SECRET).get("Response") == "Success"


def test_drop_without_reset_closes_without_goodbye(pbx: PbxSimulator, ami: AmiRecorder) -> None:
    pbx.drop_connections(reset=False)
    assert ami.wait_until(lambda: ami.eof)
    assert not ami.reset


def test_silent_pbx_keeps_the_socket_open_and_answers_nothing(
    pbx: PbxSimulator, ami: AmiRecorder
) -> None:
    pbx.go_silent()
    ping = ami.action("Ping")
    assert not ami.wait_until(
        lambda: ami.first(lambda m: m.get("ActionID") == ping) is not None, SILENCE_S
    )
    assert not ami.eof
    with (
        socket.create_connection(("127.0.0.1", pbx.port), timeout=SILENCE_S) as late,
        pytest.raises(TimeoutError),
    ):
        late.recv(100)  # accepted, but not even a greeting
    pbx.resume()
    with AmiRecorder(pbx.port) as fresh:
        assert fresh.login(USER, SECRET).get("Response") == "Success"
    ami.send("Action: Ping\r\n\r\n")
    assert not ami.wait_until(
        lambda: ami.first(lambda m: m.get("Ping") == "Pong") is not None, SILENCE_S
    )


def test_restart_hangs_up_calls_says_shutdown_refuses_then_accepts(
    pbx: PbxSimulator, ami: AmiRecorder
) -> None:
    ami.response(ami.action("QueueAdd", Queue="support", Interface="Local/1005@sim-agent"))
    inbound(ami)
    ami.event("AgentConnect")
    live = {info.name for info in pbx.channels()}
    restart = threading.Thread(target=pbx.restart, kwargs={"pause": 1.5})
    restart.start()
    try:
        assert ami.wait_until(lambda: ami.eof)
        shutdown = ami.event("Shutdown")
        assert (shutdown.get("Shutdown"), shutdown.get("Restart")) == ("Cleanly", "True")
        cause_four = {
            m.get("Channel") for m in ami.events("SoftHangupRequest") if m.get("Cause") == "4"
        }
        assert cause_four == live
        assert {m.get("Channel") for m in ami.events("Hangup")} >= live
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", pbx.port), timeout=SILENCE_S).close()
    finally:
        restart.join()
    with AmiRecorder(pbx.port) as after:
        assert after.login(USER, SECRET).get("Response") == "Success"
    assert pbx.channels() == []
    assert [m.interface for m in pbx.queue_members("support")] == ["Local/1001@sim-agent"]


def test_core_restart_command_restarts(pbx: PbxSimulator, ami: AmiRecorder) -> None:
    ami.response(ami.action("Command", Command="core restart now"))
    assert ami.event("Shutdown").get("Restart") == "True"
    assert ami.wait_until(lambda: ami.eof)


# ---------------------------------------------------------------- Python API


def test_inject_inbound_and_list_channels(pbx: PbxSimulator, ami: AmiRecorder) -> None:
    pbx.inject_inbound("5557654321", seconds=60)
    join = ami.event("QueueCallerJoin")
    assert (join.get("Queue"), join.get("CallerIDNum")) == ("support", "5557654321")
    ami.event("AgentConnect")
    names = {info.name.rsplit("-", 1)[0] for info in pbx.channels()}
    assert names == {"Local/5550100@inbound", "Local/1001@sim-agent"}
    assert all(
        info.bridged
        for info in pbx.channels()
        if info.name.endswith(";1") and "sim-agent" in info.name
    )


def test_each_simulator_gets_its_own_free_port() -> None:
    with (
        PbxSimulator(username=USER, secret=SECRET, speed=SPEED) as one,
        PbxSimulator(username=USER, secret=SECRET, speed=SPEED) as two,
    ):
        assert one.port != two.port > 0


@pytest.mark.parametrize(("secret", "speed"), [("", 1.0), (SECRET, 0.0)])
def test_simulator_refuses_an_empty_secret_or_a_null_speed(secret: str, speed: float) -> None:
    with pytest.raises(ValueError):
        PbxSimulator(username=USER, secret=secret, speed=speed)


def test_channelvars_put_chanvariable_headers_on_channel_events() -> None:
    with (
        PbxSimulator(
            username=USER, secret=SECRET, speed=SPEED, channel_vars=("DIALER_CALL_ID",)
        ) as pbx,
        AmiRecorder(pbx.port) as client,
    ):
        client.login(USER, SECRET)
        client.action(
            "Originate",
            Channel="Local/1001@sim-agent",
            Context="dialer-bridge",
            Exten="5551230001",
            Priority="1",
            Variable="DIALER_CALL_ID=call-9",
            Async="true",
        )
        first = client.event("Newchannel")
        assert first.get("ChanVariable") == "DIALER_CALL_ID="  # set right after creation
        dial = client.event("DialBegin", DialString="5551230001@sim-callee")
        assert ("ChanVariable", "DIALER_CALL_ID=call-9") in dial.headers
        assert ("DestChanVariable", "DIALER_CALL_ID=") in dial.headers
