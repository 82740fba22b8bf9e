"""The AMI adapter over a real socket: what it sends, what it refuses, how it fails and recovers."""

from __future__ import annotations

import queue
import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from dialer.cli.ami import check_pbx
from dialer.config import load_config
from dialer.telephony.ami.adapter import AmiAdapter
from dialer.telephony.ami.settings import AmiSettings, settings_from_config
from dialer.telephony.listener import run_listener
from dialer.telephony.port import (
    AgentFirstCall,
    CallEnded,
    ConnectionHealth,
    CustomerFirstCall,
    ExtensionState,
    Health,
    PortEvent,
    TelephonyConfigError,
    TelephonyError,
    UnsafeValueError,
)
from tests.telephony.ami.scripted import ScriptedAmi, message, scripted_settings

AGENT_CHANNEL = "Local/{extension}@sim-agent"


@pytest.fixture
def server() -> Iterator[ScriptedAmi]:
    srv = ScriptedAmi()
    yield srv
    srv.stop()


def settings(server: ScriptedAmi, **more: object) -> AmiSettings:
    return scripted_settings(server.port, **{"originate_timeout_s": 45, **more})


@pytest.fixture
def port(server: ScriptedAmi) -> Iterator[AmiAdapter]:
    adapter = AmiAdapter(settings(server))
    yield adapter
    adapter.close()


def next_of(events: queue.Queue, kind: type, timeout: float = 10.0) -> PortEvent:
    while True:
        event = events.get(timeout=timeout)
        if isinstance(event, kind):
            return event


def last_action(server: ScriptedAmi, action: str) -> bytes:
    raw = bytes(server.raw).split(b"\r\n\r\n")
    return (
        next(m for m in reversed(raw) if m.startswith(f"Action: {action}".encode())) + b"\r\n\r\n"
    )


# ------------------------------------------------------------------ originate


def test_agent_first_originate_is_sent_as_the_dialplan_expects(
    server: ScriptedAmi, port: AmiAdapter
) -> None:
    call = AgentFirstCall(
        call_uid="c-42",
        extension="1001",
        number="+5551230000",
        caller_id='"Campaign 7" <5550007>',
        timeout_s=20,
        dial_timeout_s=25,
        variables={"CAMPAIGN_ID": "7"},
    )
    port.originate_agent_first(call)
    assert last_action(server, "Originate") == (
        b"Action: Originate\r\nActionID: dialer-c-42-a1\r\nChannel: Local/1001@sim-agent\r\n"
        b"Context: dialer-bridge\r\nExten: +5551230000\r\nPriority: 1\r\n"
        b'CallerID: "Campaign 7" <5550007>\r\nTimeout: 20000\r\nAsync: true\r\n'
        b"Variable: DIALER_CALL_ID=c-42\r\nVariable: DIALER_FLOW=a\r\nVariable: DIAL_TIMEOUT=25\r\n"
        b"Variable: CAMPAIGN_ID=7\r\n\r\n"
    )


def test_customer_first_originate_queues_the_customer(
    server: ScriptedAmi, port: AmiAdapter
) -> None:
    port.originate_customer_first(
        CustomerFirstCall(
            call_uid="9", number="5551230004", queue="sales", caller_id="5550007", timeout_s=90
        )
    )
    sent = last_action(server, "Originate")
    assert b"Channel: Local/5551230004@sim-callee\r\n" in sent
    assert b"Context: dialer-queue\r\nExten: sales\r\n" in sent
    assert b"Timeout: 45000\r\n" in sent  # capped by AMI_ORIGINATE_TIMEOUT
    assert b"ActionID: dialer-9-q1\r\n" in sent and b"Variable: DIALER_FLOW=q\r\n" in sent


def test_a_predictive_call_gives_up_on_the_queue_and_plays_the_campaigns_sound(
    server: ScriptedAmi, port: AmiAdapter
) -> None:
    port.originate_customer_first(
        CustomerFirstCall(
            call_uid="p1",
            number="5551230007",
            queue="support",
            caller_id="5550007",
            abandon_after_s=2,
            abandon_sound="custom/xin-loi",
        )
    )
    sent = last_action(server, "Originate")
    assert b"Context: dialer-predictive\r\nExten: support\r\n" in sent
    assert b"Variable: ABANDON_AFTER=2\r\nVariable: ABANDON_SOUND=custom/xin-loi\r\n" in sent
    assert b"DIALER_AMD" not in sent  # no machine detection unless the campaign asks


def test_a_predictive_call_of_a_campaign_that_detects_machines_asks_the_dialplan_to(
    server: ScriptedAmi, port: AmiAdapter
) -> None:
    call = CustomerFirstCall(
        "p3",
        "5551230007",
        "support",
        "5550007",
        abandon_after_s=2,
        abandon_sound="dialer-abandoned",
        amd_action="hangup",
    )
    port.originate_customer_first(call)
    assert b"Variable: __DIALER_AMD=hangup\r\n" in last_action(server, "Originate")


@pytest.mark.parametrize("sound", ["../../etc/passwd", "sorry,beep", "a b", "", "x.wav"])
def test_a_sound_name_that_is_not_a_plain_sound_is_refused(
    server: ScriptedAmi, port: AmiAdapter, sound: str
) -> None:
    call = CustomerFirstCall("p2", "5551230007", "support", "5550007", abandon_after_s=2)
    with pytest.raises(UnsafeValueError, match="sound name"):
        port.originate_customer_first(replace(call, abandon_sound=sound))
    assert server.count("Originate") == 0


def test_an_originate_the_pbx_refuses_raises(server: ScriptedAmi, port: AmiAdapter) -> None:
    server.refusals["Originate"] = "Extension does not exist."
    with pytest.raises(TelephonyError, match="Extension does not exist"):
        port.originate_agent_first(AgentFirstCall("1", "1001", "5551230000", "x"))


def test_no_double_dial_when_the_connection_drops_before_the_answer(
    server: ScriptedAmi, port: AmiAdapter
) -> None:
    server.on_originate = lambda conn, headers: server.drop_connections()
    with pytest.raises(TelephonyError, match="may have been placed"):
        port.originate_agent_first(AgentFirstCall("first", "1001", "5551230000", "x"))
    server.on_originate = None
    port.originate_agent_first(AgentFirstCall("second", "1001", "5551230004", "x"))
    sent = [a["ActionID"] for a in server.actions if a.get("Action") == "Originate"]
    assert sent == ["dialer-first-a1", "dialer-second-a2"]  # the first was never re-sent


def test_no_double_dial_when_the_pbx_never_answers(server: ScriptedAmi, port: AmiAdapter) -> None:
    server.on_originate = lambda conn, headers: None  # swallowed: no response at all
    with pytest.raises(TelephonyError, match="may have been placed"):
        port.originate_agent_first(AgentFirstCall("slow", "1001", "5551230000", "x"))
    server.on_originate = None
    port.originate_agent_first(AgentFirstCall("next", "1001", "5551230000", "x"))
    assert server.count("Originate") == 2


def test_originate_while_the_listener_is_down_fails_at_once(server: ScriptedAmi) -> None:
    events: queue.Queue = queue.Queue()
    adapter = AmiAdapter(settings(server, reconnect_min_s=30.0))
    adapter.start(events.put)
    try:
        assert next_of(events, ConnectionHealth).health is Health.UP
        server.drop_connections()
        assert next_of(events, ConnectionHealth).health is Health.DOWN
        with pytest.raises(TelephonyError, match="not connected"):
            adapter.originate_agent_first(AgentFirstCall("down", "1001", "5551230000", "x"))
    finally:
        adapter.stop()
    assert server.count("Originate") == 0


# ---------------------------------------------------------- login and reach


def test_bad_secret_is_a_config_error_and_is_not_retried_at_once(server: ScriptedAmi) -> None:
    adapter = AmiAdapter(settings(server, secret="wrong-secret"))
    with pytest.raises(
        TelephonyConfigError, match="refused AMI login for user 'dialer'.*AMI_SECRET"
    ):
        adapter.live_channels()
    with pytest.raises(TelephonyConfigError, match="not retried yet"):
        adapter.live_channels()
    adapter.close()
    assert (server.accepts, server.count("Login")) == (1, 1)


def test_bad_secret_in_the_listener_reports_config_error(server: ScriptedAmi) -> None:
    events: queue.Queue = queue.Queue()
    adapter = AmiAdapter(settings(server, secret="wrong-secret", config_error_backoff_s=60.0))
    adapter.start(events.put)
    try:
        health = next_of(events, ConnectionHealth)
        assert health.health is Health.CONFIG_ERROR and "Authentication failed" in health.detail
        with pytest.raises(queue.Empty):
            events.get(timeout=1.0)  # no second attempt: it waits config_error_backoff_s
    finally:
        adapter.stop()
    assert server.count("Login") == 1


def test_refused_connection_is_a_clear_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    ok, line = check_pbx(AmiSettings(host="127.0.0.1", port=free_port, username="u", secret="s"))
    assert not ok
    assert line.startswith(f"FAIL 127.0.0.1:{free_port}: cannot reach the PBX") and "\n" not in line


def test_ami_check_says_what_works_in_one_line(server: ScriptedAmi) -> None:
    ok, line = check_pbx(settings(server))
    assert ok and line.startswith("OK Asterisk Call Manager/11.0.0") and "0 channels up" in line


def test_ami_check_names_the_bad_credentials(server: ScriptedAmi) -> None:
    ok, line = check_pbx(settings(server, secret="nope"))
    assert not ok and "Authentication failed" in line


def test_every_ami_setting_comes_from_the_environment(tmp_path: Path) -> None:
    environ = {
        "DIALER_PBX": "asterisk",
        "AMI_HOST": "pbx.example",
        "AMI_PORT": "5039",
        "AMI_USERNAME": "dialer",
        "AMI_SECRET": "s3cret",
        "AMI_PING_INTERVAL": "2.5",
        "AMI_CONNECT_TIMEOUT": "3",
        "AMI_RESPONSE_TIMEOUT": "4",
        "AMI_HINT_CONTEXT": "agents",
        "AMI_ORIGINATE_TIMEOUT": "25",
    }
    found = settings_from_config(load_config(environ, tmp_path))
    assert (found.host, found.port, found.originate_timeout_s) == ("pbx.example", 5039, 25)
    assert (found.ping_interval_s, found.connect_timeout_s, found.response_timeout_s) == (
        2.5,
        3.0,
        4.0,
    )
    assert found.hint_context == "agents"
    assert "s3cret" not in repr(found)


def test_the_ami_defaults_are_the_configs(tmp_path: Path) -> None:
    found = settings_from_config(load_config({}, tmp_path))
    by_hand = AmiSettings(host="127.0.0.1")
    tunables = ("originate_timeout_s", "ping_interval_s", "connect_timeout_s", "response_timeout_s")
    assert [getattr(found, name) for name in tunables] == [
        getattr(by_hand, name) for name in tunables
    ]
    assert found.originate_timeout_s == 30


# ----------------------------------------------------- channels and queues


def live_call(server: ScriptedAmi, call_uid: str | None = "77") -> None:
    """One agent-first call up at the server: agent Local pair and customer Local pair."""
    rows = [
        ("Local/1001@sim-agent-00000001;1", "100.1", "Up", "b1"),
        ("Local/1001@sim-agent-00000001;2", "100.2", "Up", ""),
        ("Local/5551230004@sim-callee-00000002;1", "100.3", "Up", "b1"),
        ("Local/5551230004@sim-callee-00000002;2", "100.4", "Up", ""),
    ]
    for channel, uniqueid, state, bridge in rows:
        server.channels.append(
            {
                "Channel": channel,
                "ChannelStateDesc": state,
                "CallerIDNum": "1001",
                "Uniqueid": uniqueid,
                "Linkedid": "100.1",
                "Duration": "00:01:05",
                "BridgeId": bridge,
            }
        )
    if call_uid:
        server.variables[("Local/1001@sim-agent-00000001;1", "DIALER_CALL_ID")] = call_uid
        server.variables[("Local/1001@sim-agent-00000001;1", "DIALER_FLOW")] = "a"


def test_live_channels_carry_our_call_id(server: ScriptedAmi, port: AmiAdapter) -> None:
    live_call(server)
    channels = port.live_channels()
    assert [c.call_uid for c in channels] == ["77"] * 4
    assert channels[0].duration_s == 65 and channels[0].state == "Up"


def test_hangup_hangs_up_the_agent_leg_first(server: ScriptedAmi, port: AmiAdapter) -> None:
    live_call(server)
    assert port.hangup("77") is True
    hung = [a["Channel"] for a in server.actions if a.get("Action") == "Hangup"]
    assert hung[0] == "Local/1001@sim-agent-00000001;1"
    assert port.hangup("77") is False  # nothing of it is up any more


def test_hangup_of_a_call_that_is_not_up(server: ScriptedAmi, port: AmiAdapter) -> None:
    live_call(server, call_uid=None)
    assert port.hangup("77") is False
    assert server.count("Hangup") == 0


def test_extension_state_reads_the_agent_device(server: ScriptedAmi, port: AmiAdapter) -> None:
    server.variables[("", "DEVICE_STATE(Local/1001@sim-agent)")] = "INUSE"
    assert port.extension_state("1001") is ExtensionState.IN_USE
    server.variables[("", "DEVICE_STATE(Local/1002@sim-agent)")] = "UNAVAILABLE"
    assert port.extension_state("1002") is ExtensionState.UNAVAILABLE


def test_queue_membership_is_idempotent(server: ScriptedAmi, port: AmiAdapter) -> None:
    server.refusals.update(
        {
            "QueueAdd": "Unable to add interface: Already there",
            "QueueRemove": "Unable to remove interface: Not there",
            "QueuePause": "Interface not found",
        }
    )
    port.queue_add("support", "1001", "Agent 1001")
    port.queue_remove("support", "1001")
    port.queue_pause("1001", True, "lunch")
    server.refusals["QueueAdd"] = "Unable to add interface to queue 'nosuch': No such queue"
    with pytest.raises(TelephonyError, match="No such queue"):
        port.queue_add("nosuch", "1001")


# ------------------------------------------------------------------- listener


def test_listener_reconciles_after_a_reconnect(server: ScriptedAmi) -> None:
    """A call still up after a reconnect is taken over; its end is reported as usual."""
    import threading

    events: queue.Queue = queue.Queue()
    stop = threading.Event()
    adapter = AmiAdapter(settings(server))
    runner = threading.Thread(
        target=run_listener, args=(adapter.settings, events.put, stop), kwargs={"adapter": adapter}
    )
    runner.start()
    try:
        assert next_of(events, ConnectionHealth).health is Health.UP
        live_call(server)
        server.drop_connections()
        assert next_of(events, ConnectionHealth).health is Health.DOWN
        reconnected = next_of(events, ConnectionHealth)
        assert reconnected.health is Health.RECONNECTED
        assert {c.call_uid for c in adapter.live_channels()} == {"77"}
        for channel in server.channels:
            server.push(
                message(
                    Event="Hangup",
                    Channel=channel["Channel"],
                    Uniqueid=channel["Uniqueid"],
                    Linkedid="100.1",
                    Cause="16",
                    Cause_txt="Normal Clearing",
                )
            )
        ended = next_of(events, CallEnded)
        assert (ended.call_uid, ended.status, ended.cause) == ("77", "ANSWER", 16)
    finally:
        stop.set()
        runner.join(timeout=10)
    assert not runner.is_alive()


# ------------------------------------------------------------------ commands


def ami_config(server: ScriptedAmi, instance: Path, secret: str = "dialer-secret") -> dict:
    """The app config of a process whose environment points it at the scripted server."""
    environ = {
        "DIALER_PBX": "asterisk",
        "AMI_HOST": "127.0.0.1",
        "AMI_PORT": str(server.port),
        "AMI_USERNAME": "dialer",
        "AMI_SECRET": secret,
        "AMI_AGENT_CHANNEL": AGENT_CHANNEL,
    }
    return load_config(environ, instance)


@pytest.mark.parametrize(
    ("secret", "code", "start"), [("dialer-secret", 0, "OK "), ("bad", 1, "FAIL ")]
)
def test_ami_check_command_prints_one_line_and_exits_by_result(
    server: ScriptedAmi, secret: str, code: int, start: str, tmp_path: Path
) -> None:
    from flask import Flask

    from dialer.cli.ami import ami_check_command

    app = Flask(__name__)
    app.config.update(ami_config(server, tmp_path, secret))
    result = app.test_cli_runner().invoke(ami_check_command)
    assert result.exit_code == code
    assert result.output.startswith(start) and result.output.count("\n") == 1


def test_ami_listener_command_hands_events_to_the_factorys_handler(
    server: ScriptedAmi, tmp_path: Path
) -> None:
    import signal
    import threading

    from flask import Flask

    from dialer.cli.ami import make_listener_command

    app = Flask(__name__)
    app.config.update(ami_config(server, tmp_path))
    heard: queue.Queue = queue.Queue()
    ports: list[AmiAdapter] = []

    def factory(adapter: AmiAdapter):
        ports.append(adapter)
        return heard.put

    def stop_when_up() -> None:
        assert next_of(heard, ConnectionHealth).health is Health.UP
        signal.raise_signal(signal.SIGTERM)

    threading.Thread(target=stop_when_up, daemon=True).start()
    previous = signal.getsignal(signal.SIGTERM)
    try:
        result = app.test_cli_runner().invoke(make_listener_command(factory))
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert result.exit_code == 0, result.output
    assert isinstance(ports[0], AmiAdapter) and not ports[0].is_connected()
