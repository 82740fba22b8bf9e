"""Each measured pyst2 0.5.1 defect: shown on plain pyst2, and neutralised by the adapter.

The plain-pyst2 tests assert the bad behaviour happens (a call that never
returns is shown by a short join that finds the thread still blocked); the
adapter tests assert the right behaviour over the same real socket.
"""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
from collections.abc import Iterator

import pytest
from asterisk.manager import Manager

from dialer.telephony.ami.adapter import AmiAdapter
from dialer.telephony.ami.manager import AmiManager
from dialer.telephony.ami.settings import AmiSettings
from dialer.telephony.port import (
    AgentFirstCall,
    CallRinging,
    ConnectionHealth,
    Health,
    PortEvent,
    UnsafeValueError,
)
from tests.support.waiting import wait_until
from tests.telephony.ami.scripted import ScriptedAmi, message, scripted_settings
from tests.telephony.transcripts import load

BLOCKED = 1.0  # seconds a call must stay blocked to count as "never returns"

CHANVAR_EVENT = message(
    Event="Newchannel",
    Privilege="call,all",
    Channel="Local/1001@sim-agent-00000001;1",
    ChannelState="5",
    ChannelStateDesc="Ringing",
    Uniqueid="1795549566.1",
    Linkedid="1795549566.1",
    ChanVariable="DIALER_CALL_ID=42",
).replace("\r\n\r\n", "\r\nChanVariable: DIALER_FLOW=a\r\n\r\n")


@pytest.fixture
def server() -> Iterator[ScriptedAmi]:
    srv = ScriptedAmi()
    yield srv
    srv.stop()


_plain_managers: list[Manager] = []


def plain(server: ScriptedAmi) -> Manager:
    manager = Manager()
    _plain_managers.append(manager)
    manager.connect("127.0.0.1", server.port)
    manager.login("dialer", "dialer-secret")
    return manager


@pytest.fixture(autouse=True)
def _release_plain_managers() -> Iterator[None]:
    """Unblock what plain pyst2 leaves blocked, and keep its __del__ (which joins them) quiet."""
    yield
    while _plain_managers:
        manager = _plain_managers.pop()
        raw = getattr(manager._sock, "_sock", None)
        if raw is not None:
            with contextlib.suppress(OSError):  # pyst2 may be closing it right now
                raw.shutdown(socket.SHUT_RDWR)  # its reader sees EOF and ends
        for q in (manager._message_queue, manager._event_queue, manager._response_queue):
            for _ in range(4):
                q.put(None)
        manager.close = lambda: None


def settings(server: ScriptedAmi, **more: object) -> AmiSettings:
    return scripted_settings(server.port, **{"response_timeout_s": 2.0, **more})


def in_thread(fn) -> threading.Thread:
    def run() -> None:
        with contextlib.suppress(Exception):  # the teardown unblocks it with an error
            fn()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def next_event(events: queue.Queue, kind: type, timeout: float = 10.0) -> PortEvent:
    while True:
        event = events.get(timeout=timeout)
        if isinstance(event, kind):
            return event


# 1. ChanVariable ------------------------------------------------------------


def test_1_plain_pyst2_reader_dies_on_chanvariable_and_actions_block(
    server: ScriptedAmi, monkeypatch: pytest.MonkeyPatch
) -> None:
    crashes: queue.Queue = queue.Queue()
    monkeypatch.setattr(threading, "excepthook", lambda args: crashes.put(args.exc_value))
    manager = plain(server)
    server.push(CHANVAR_EVENT)
    server.wait_for(lambda: True)
    pinger = in_thread(manager.ping)
    pinger.join(BLOCKED)
    assert pinger.is_alive(), "pyst2 answered a ping after a ChanVariable event"
    server.drop_connections()  # lets pyst2's dead loop finish, so its exception surfaces
    crash = crashes.get(timeout=10)
    assert isinstance(crash, AttributeError) and "has_key" in str(crash)


def test_1_adapter_parses_chanvariable_and_keeps_working(server: ScriptedAmi) -> None:
    events: queue.Queue = queue.Queue()
    adapter = AmiAdapter(settings(server))
    adapter.start(events.put)
    try:
        next_event(events, ConnectionHealth)
        server.push(CHANVAR_EVENT)
        ringing = next_event(events, CallRinging)
        assert ringing.call_uid == "42"  # bound by the DIALER_CALL_ID ChanVariable itself
        assert adapter.live_channels() == []  # and the connection still answers
    finally:
        adapter.stop()


# 2. Responses matched first-in-first-out ------------------------------------


def ping_storm(send, threads: int = 4, each: int = 200) -> int:
    """Send ``threads`` x ``each`` Pings with known ActionIDs; count answers meant for others."""
    wrong = 0
    lock = threading.Lock()

    def worker(n: int) -> None:
        nonlocal wrong
        for i in range(each):
            action_id = f"storm-{n}-{i}"
            response = send({"Action": "Ping", "ActionID": action_id})
            if response.get_header("ActionID") != action_id:
                with lock:
                    wrong += 1

    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return wrong


def test_2_plain_pyst2_hands_responses_to_the_wrong_thread(server: ScriptedAmi) -> None:
    manager = plain(server)
    wrong = 0
    for _ in range(5):  # a race: it shows in the first round on any machine we ran
        wrong = ping_storm(manager.send_action)
        if wrong:
            break
    assert wrong > 0


def test_2_adapter_gives_each_caller_its_own_response(server: ScriptedAmi) -> None:
    adapter = AmiAdapter(settings(server))
    try:
        assert ping_storm(adapter._connection().send_action) == 0
    finally:
        adapter.close()


# 3. Shared mutable default -------------------------------------------------


def sent_pings(server: ScriptedAmi) -> list[dict[str, str]]:
    return [a for a in server.actions if a.get("Action") == "Ping"]


def test_3_plain_pyst2_leaks_actionid_and_headers_between_actions(server: ScriptedAmi) -> None:
    manager = plain(server)
    manager.send_action(Action="Getvar", Variable="SECRET_OF_THE_LAST_ACTION")
    manager.send_action(Action="Ping")
    manager.send_action(Action="Ping")
    first, second = sent_pings(server)[-2:]
    assert first["ActionID"] == second["ActionID"]
    assert second["Variable"] == "SECRET_OF_THE_LAST_ACTION"


def test_3_adapter_sends_each_action_with_only_its_own_headers(server: ScriptedAmi) -> None:
    adapter = AmiAdapter(settings(server))
    try:
        conn = adapter._connection()
        conn.send_action(Action="Getvar", Variable="SECRET_OF_THE_LAST_ACTION")
        conn.send_action(Action="Ping")
        conn.send_action(Action="Ping")
    finally:
        adapter.close()
    first, second = sent_pings(server)[-2:]
    assert first["ActionID"] != second["ActionID"]
    assert "Variable" not in second


# 4. One byte per system call -------------------------------------------------


def test_4_plain_pyst2_reads_one_byte_per_system_call(
    server: ScriptedAmi, monkeypatch: pytest.MonkeyPatch
) -> None:
    manager = plain(server)
    reads = 0
    original = socket.SocketIO.readinto

    def counting(self, buffer):
        nonlocal reads
        if self is manager._sock:
            reads += 1
        return original(self, buffer)

    monkeypatch.setattr(socket.SocketIO, "readinto", counting)
    payload, count = events_payload()
    seen = threading.Semaphore(0)
    manager.register_event("*", lambda event, _m: seen.release())
    server.push(payload)
    for _ in range(count):
        assert seen.acquire(timeout=30)
    assert reads >= len(payload.encode()) // 2  # about one recv() per byte


def test_4_adapter_reads_in_large_chunks(server: ScriptedAmi) -> None:
    conn = AmiManager()
    conn.connect("127.0.0.1", server.port)
    conn.login("dialer", "dialer-secret")
    payload, count = events_payload()
    seen = threading.Semaphore(0)
    conn.register_event("*", lambda event, _m: seen.release())
    reads_before = conn.reads
    server.push(payload)
    try:
        for _ in range(count):
            assert seen.acquire(timeout=30)
    finally:
        conn.close()
    assert (conn.reads - reads_before) * 100 < len(payload.encode())


def events_payload() -> tuple[str, int]:
    """The events of a recorded call, as one block of text, and how many there are."""
    text = load("01").server_bytes().decode()
    events = [m for m in text.split("\r\n\r\n") if m.startswith("Event: ")]
    return "".join(m + "\r\n\r\n" for m in events), len(events)


# 5. No timeouts, keepalive or reconnect --------------------------------------


def test_5_plain_pyst2_waits_forever_on_a_silent_pbx(server: ScriptedAmi) -> None:
    manager = plain(server)
    server.silent = True
    pinger = in_thread(manager.ping)
    pinger.join(BLOCKED)
    assert pinger.is_alive(), "pyst2 gave up on a silent PBX"


def test_5_plain_pyst2_manager_cannot_reconnect(server: ScriptedAmi) -> None:
    manager = plain(server)
    server.drop_connections()
    wait_until(
        lambda: not manager.connected(), timeout=10, message="pyst2 to see the drop", every=0.01
    )
    with pytest.raises(RuntimeError, match="threads can only be started once"):
        manager.connect("127.0.0.1", server.port)


def test_5_adapter_times_out_a_silent_pbx_and_reconnects(server: ScriptedAmi) -> None:
    events: queue.Queue = queue.Queue()
    adapter = AmiAdapter(settings(server, ping_interval_s=0.2, response_timeout_s=0.3))
    adapter.start(events.put)
    try:
        assert next_event(events, ConnectionHealth).health is Health.UP
        server.silent = True  # half-open: the socket stays, nothing comes back
        down = next_event(events, ConnectionHealth)
        assert down.health is Health.DOWN
        assert "ping" in down.detail.lower() or "nothing received" in down.detail
        server.silent = False
        assert next_event(events, ConnectionHealth).health is Health.RECONNECTED
        assert adapter.live_channels() == []
    finally:
        adapter.stop()


# 6. No CR/LF filtering -------------------------------------------------------


def test_6_plain_pyst2_lets_a_number_inject_an_action(server: ScriptedAmi) -> None:
    manager = plain(server)
    manager.originate(
        "Local/1001@sim-agent",
        "5551230000\r\n\r\nAction: Hangup\r\nChannel: Local/1001@sim-agent-00000001;1",
        context="dialer-bridge",
        priority="1",
        run_async=True,
    )
    server.wait_for(lambda: server.count("Hangup") == 1)


@pytest.mark.parametrize(
    "call",
    [
        AgentFirstCall("1", "1001", "5551230000\r\n\r\nAction: Hangup\r\nChannel: x", "x"),
        AgentFirstCall("2", "1001", "5551230000&Local/999@sim-callee", "x"),
        AgentFirstCall("3", "1001", "5551230000,1,Tt", "x"),
        AgentFirstCall("4", "1001@other-context", "5551230000", "x"),
        AgentFirstCall("5", "1001", "5551230000", "x\r\nAction: Hangup"),
        AgentFirstCall("6", "1001", "5551230000", "x", variables={"NOTE": "a,EVIL=1"}),
        AgentFirstCall("7\r\nAction: Hangup", "1001", "5551230000", "x"),
    ],
)
def test_6_adapter_refuses_injection_before_it_reaches_the_socket(
    server: ScriptedAmi, call: AgentFirstCall
) -> None:
    adapter = AmiAdapter(settings(server))
    try:
        adapter._connection()
        with pytest.raises(UnsafeValueError):
            adapter.originate_agent_first(call)
        adapter._connection().send_action(Action="Ping")  # everything sent so far has arrived
    finally:
        adapter.close()
    assert server.count("Originate") == 0
    assert server.count("Hangup") == 0
