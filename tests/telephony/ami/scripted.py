"""A small scripted AMI server for the adapter's tests: real TCP, answers as Asterisk 22 does.

It answers Login (and refuses a wrong secret the way Asterisk does: an error,
then it closes the socket), Ping, Logoff, Events, Getvar, Hangup,
CoreShowChannels and Originate, records every action it receives (parsed and
as raw bytes), can push events to every logged-in connection, replay a
recorded transcript's server messages after an Originate, go silent, and drop
its connections. The PBX simulator is the full model; this one is for what
the simulator is not meant to do: misbehave on purpose.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from dialer.telephony.ami.calls import Flow, call_action_id
from dialer.telephony.ami.protocol import AmiFramer, AmiMessage
from dialer.telephony.ami.settings import AmiSettings
from dialer.telephony.ami.translate import AmiTranslator
from dialer.telephony.port import PortEvent
from tests.telephony import transcripts

CRLF = "\r\n"


T0 = datetime(2026, 11, 24, 19, 0, tzinfo=UTC)


def translate_transcript(name: str, chunks: int | None = None) -> list[PortEvent]:
    """Replay a transcript's server bytes through the framer, parser and translator.

    Each Originate the client sent is tied to call id ``<NN>`` (``<NN>-<k>`` when
    there are several) as the adapter ties its own ActionIDs; ``chunks`` cuts the
    byte stream into reads of that size instead of the recorded reads.
    """
    recorded = transcripts.load(name)
    messages = recorded.messages
    events: list[PortEvent] = []
    translator = AmiTranslator(events.append, agent_channel="Local/{extension}@sim-agent")
    framer = AmiFramer()
    originates = [
        parse(m.raw) for m in messages if m.direction == "client" and "Action: Originate" in m.raw
    ]
    originates = [h for h in originates if "Application" not in h]
    # The recorded ActionIDs become ours, as the adapter makes them for its calls.
    ours: dict[bytes, bytes] = {}
    for k, headers in enumerate(originates):
        call_uid = name[:2] if len(originates) == 1 else f"{name[:2]}-{k}"
        flow = Flow.CUSTOMER_FIRST if headers.get("Context") == "dialer-queue" else Flow.AGENT_FIRST
        recorded_id = f"ActionID: {headers['ActionID']}\r\n".encode()
        ours[recorded_id] = f"ActionID: {call_action_id(call_uid, flow, 1)}\r\n".encode()

    def as_ours(data: bytes) -> bytes:
        for recorded_id, our_id in ours.items():
            data = data.replace(recorded_id, our_id)
        return data

    reads = [(m.t, as_ours(m.raw.encode())) for m in messages if m.direction == "server"]
    if chunks:
        stream = as_ours(recorded.server_bytes())
        reads = [(0.0, stream[i : i + chunks]) for i in range(0, len(stream), chunks)]
    for t, data in reads:
        for text in framer.feed(data):
            parsed = AmiMessage(text)
            if parsed.name:
                translator.feed(parsed.name, parsed.headers, T0 + timedelta(seconds=t))
    return events


def scripted_settings(port: int, **more: object) -> AmiSettings:
    """Adapter settings for a local AMI server, with the reference dialplan's names."""
    values: dict = {
        "host": "127.0.0.1",
        "port": port,
        "username": "dialer",
        "secret": "dialer-secret",
        "agent_channel": "Local/{extension}@sim-agent",
        "customer_channel": "Local/{number}@sim-callee",
        "outbound_context": "dialer-bridge",
        "queue_context": "dialer-queue",
        "ping_interval_s": 5.0,
        "response_timeout_s": 1.0,
        "reconnect_min_s": 0.05,
    }
    values.update(more)
    return AmiSettings(**values)


def parse(raw: str) -> dict[str, str]:
    """Headers of one raw message (first value wins for repeated headers)."""
    headers: dict[str, str] = {}
    for line in raw.split(CRLF):
        key, sep, value = line.partition(":")
        if sep:
            headers.setdefault(key.strip(), value.strip())
    return headers


def message(**headers: str) -> str:
    """One AMI message from keyword headers (``Cause_txt`` becomes ``Cause-txt``)."""
    return "".join(f"{k.replace('_', '-')}: {v}{CRLF}" for k, v in headers.items()) + CRLF


class _Conn:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.logged_in = False
        self.events_on = True
        self.lock = threading.Lock()

    def close_write(self) -> None:
        with contextlib.suppress(OSError):  # already dropped
            self.sock.shutdown(socket.SHUT_RDWR)

    def send(self, text: str) -> None:
        with (
            self.lock,
            contextlib.suppress(OSError),
        ):  # the client went away: like Asterisk, drop it
            self.sock.sendall(text.encode())


class ScriptedAmi:
    """An AMI server on 127.0.0.1 with scripted behaviour (see the module docstring)."""

    def __init__(self, *, username: str = "dialer", secret: str = "dialer-secret") -> None:
        self.username, self.secret = username, secret
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.actions: list[dict[str, str]] = []
        self.raw = bytearray()
        self.accepts = 0
        self.silent = False
        self.channels: list[dict[str, str]] = []
        self.variables: dict[tuple[str, str], str] = {}
        self.on_originate: Callable[[_Conn, dict[str, str]], None] | None = None
        self.refusals: dict[str, str] = {}  # action -> the error Message to answer with
        self.changed = threading.Condition()
        self._conns: list[_Conn] = []
        self._stopped = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    # -------------------------------------------------------------- control

    def stop(self) -> None:
        self._stopped = True
        self.listener.close()
        self.drop_connections()

    def drop_connections(self) -> None:
        for conn in list(self._conns):
            with contextlib.suppress(OSError):
                conn.sock.shutdown(socket.SHUT_RDWR)
            conn.sock.close()
        self._conns.clear()

    def push(self, raw: str) -> None:
        """Send an event to every logged-in connection that has events on."""
        for conn in list(self._conns):
            if conn.logged_in and conn.events_on:
                conn.send(raw)

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until ``predicate()`` holds (checked whenever an action arrives)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        "the scripted AMI server never saw what the test waited for"
                    )
                self.changed.wait(left)

    def count(self, action: str) -> int:
        return sum(1 for a in self.actions if a.get("Action") == action)

    def replay_after_originate(self, name: str) -> None:
        """On Originate, answer with a transcript's server messages (with the client's ActionID)."""
        messages = transcripts.load(name).messages
        start = next(i for i, m in enumerate(messages) if "Action: Originate" in m.raw)
        recorded_id = parse(messages[start].raw)["ActionID"]
        after = []
        for m in messages[start + 1 :]:
            if m.direction == "client":
                break
            if m.direction == "server":
                after.append(m.raw)

        def answer(conn: _Conn, headers: dict[str, str]) -> None:
            for raw in after:
                text = raw.replace(
                    f"ActionID: {recorded_id}\r\n", f"ActionID: {headers['ActionID']}\r\n"
                )
                if text.startswith("Response:"):
                    conn.send(text)
                else:
                    self.push(text)

        self.on_originate = answer

    # -------------------------------------------------------------- serving

    def _accept(self) -> None:
        while not self._stopped:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            if self._stopped:
                sock.close()
                return
            self.accepts += 1
            conn = _Conn(sock)
            self._conns.append(conn)
            conn.send("Asterisk Call Manager/11.0.0\r\n")
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: _Conn) -> None:
        try:
            self._read_actions(conn)
        finally:
            conn.sock.close()

    def _read_actions(self, conn: _Conn) -> None:
        buf = b""
        while True:
            try:
                data = conn.sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            buf += data
            while b"\r\n\r\n" in buf:
                raw, buf = buf.split(b"\r\n\r\n", 1)
                self._handle(conn, raw + b"\r\n\r\n")

    def _handle(self, conn: _Conn, raw: bytes) -> None:
        headers = parse(raw.decode())
        with self.changed:
            self.raw += raw
            self.actions.append(headers)
            self.changed.notify_all()
        if self.silent:
            return
        if headers.get("Action") in self.refusals:
            self._reply(conn, headers, "Error", Message=self.refusals[headers["Action"]])
            return
        action = headers.get("Action", "").lower()
        handler = getattr(self, f"_on_{action}", None)
        if handler is None:
            self._reply(
                conn, headers, "Error", Message=f"Invalid/unknown command: {headers.get('Action')}."
            )
            return
        handler(conn, headers)

    def _reply(
        self, conn: _Conn, headers: dict[str, str], response: str = "Success", **more: str
    ) -> None:
        conn.send(message(Response=response, ActionID=headers.get("ActionID", ""), **more))

    def _on_login(self, conn: _Conn, headers: dict[str, str]) -> None:
        if headers.get("Username") != self.username or headers.get("Secret") != self.secret:
            time.sleep(0.05)  # Asterisk waits about a second; enough to show the order of things
            self._reply(conn, headers, "Error", Message="Authentication failed")
            conn.close_write()
            return
        conn.logged_in = True
        self._reply(conn, headers, Message="Authentication accepted")
        conn.send(message(Event="FullyBooted", Privilege="system,all", Status="Fully Booted"))

    def _on_ping(self, conn: _Conn, headers: dict[str, str]) -> None:
        self._reply(conn, headers, Ping="Pong", Timestamp=f"{time.time():.6f}")

    def _on_logoff(self, conn: _Conn, headers: dict[str, str]) -> None:
        self._reply(conn, headers, "Goodbye", Message="Thanks for all the fish.")
        conn.close_write()

    def _on_events(self, conn: _Conn, headers: dict[str, str]) -> None:
        conn.events_on = headers.get("EventMask", "on").lower() != "off"
        self._reply(conn, headers, Events="On" if conn.events_on else "Off")

    def _on_getvar(self, conn: _Conn, headers: dict[str, str]) -> None:
        key = (headers.get("Channel", ""), headers.get("Variable", ""))
        self._reply(conn, headers, Variable=key[1], Value=self.variables.get(key, ""))

    def _on_hangup(self, conn: _Conn, headers: dict[str, str]) -> None:
        names = [c["Channel"] for c in self.channels]
        if headers.get("Channel") not in names:
            self._reply(conn, headers, "Error", Message="No such channel")
            return
        self.channels = [c for c in self.channels if c["Channel"] != headers["Channel"]]
        self._reply(conn, headers, Message="Channel Hungup")

    def _on_coreshowchannels(self, conn: _Conn, headers: dict[str, str]) -> None:
        action_id = headers.get("ActionID", "")
        out = message(
            Response="Success",
            ActionID=action_id,
            EventList="start",
            Message="Channels will follow",
        )
        for channel in self.channels:
            out += message(Event="CoreShowChannel", ActionID=action_id, **channel)
        out += message(
            Event="CoreShowChannelsComplete",
            ActionID=action_id,
            EventList="Complete",
            ListItems=str(len(self.channels)),
        )
        conn.send(out)

    def _on_originate(self, conn: _Conn, headers: dict[str, str]) -> None:
        if self.on_originate is not None:
            self.on_originate(conn, headers)
            return
        self._reply(conn, headers, Message="Originate successfully queued")
