"""The recorded AMI transcripts (the ``*.jsonl`` files of this folder) for tests,
and a bare AMI client that records a live PBX the same way.

Each transcript is what a real Asterisk 22 sent and received on one connection
(README.md here says how they were recorded). ``AMI_TRANSCRIPTS_DIR`` points the
tests at another folder of recordings, e.g. fresh ones from a newer Asterisk.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

HERE = Path(__file__).resolve().parent
TRANSCRIPTS_ENV = "AMI_TRANSCRIPTS_DIR"
LOCAL_CHANNEL = re.compile(r"^(Local/[^;/]+)-([0-9a-f]{8})(;[12])$")

CLIENT, SERVER, EOF, NOTE = "client", "server", "eof", "note"
CHANNEL_KEYS = ("Channel", "DestChannel", "LocalOneChannel", "DestinationChannel")
WAIT_S = 5.0


def transcripts_dir() -> Path:
    """Where the .jsonl transcripts live: this folder, or ``AMI_TRANSCRIPTS_DIR``."""
    configured = os.environ.get(TRANSCRIPTS_ENV)
    if configured:
        return Path(configured)
    return HERE


@dataclass(frozen=True)
class Message:
    """One message of a transcript: its exact wire text and when it arrived."""

    t: float
    utc: str
    direction: str  # client | server | eof | note
    raw: str

    @cached_property
    def headers(self) -> tuple[tuple[str, str], ...]:
        """The `Key: Value` lines in order (the greeting and notes have none)."""
        pairs = []
        for line in self.raw.split("\r\n"):
            key, sep, value = line.partition(": ")
            if sep:
                pairs.append((key, value))
            elif line.endswith(":"):
                pairs.append((line[:-1], ""))
        return tuple(pairs)

    def get(self, key: str, default: str | None = None) -> str | None:
        """The first value of a header."""
        for name, value in self.headers:
            if name == key:
                return value
        return default

    @property
    def event(self) -> str | None:
        """The Event name, for events."""
        return self.get("Event")

    @property
    def response(self) -> str | None:
        """The Response value, for responses."""
        return self.get("Response")

    @property
    def is_greeting(self) -> bool:
        """True for the `Asterisk Call Manager/11.0.0` line."""
        return self.direction == SERVER and self.raw.startswith("Asterisk Call Manager/")

    @property
    def wire(self) -> bytes:
        """The exact bytes on the wire."""
        return self.raw.encode("utf-8")


@dataclass(frozen=True)
class Transcript:
    name: str
    messages: tuple[Message, ...] = field(repr=False)

    @property
    def number(self) -> int:
        """The scenario number (1 for 01-...)."""
        return int(self.name.split("-", 1)[0])

    def sent_by(self, direction: str) -> list[Message]:
        """Messages of one direction, in order."""
        return [m for m in self.messages if m.direction == direction]

    @property
    def server(self) -> list[Message]:
        """What Asterisk sent, in order."""
        return self.sent_by(SERVER)

    @property
    def client(self) -> list[Message]:
        """What the client sent, in order."""
        return self.sent_by(CLIENT)

    def events(self, name: str | None = None) -> list[Message]:
        """Server events, optionally of one name."""
        return [m for m in self.server if m.event and (name is None or m.event == name)]

    @property
    def ends_with_eof(self) -> bool:
        """True when Asterisk closed the connection."""
        return any(m.direction == EOF for m in self.messages)

    def server_bytes(self) -> bytes:
        """Everything the server sent, concatenated as it was on the wire."""
        return b"".join(m.wire for m in self.server)


def names() -> list[str]:
    """Base names of every transcript, in order (01-..., 02-..., ...)."""
    return sorted(path.stem for path in transcripts_dir().glob("*.jsonl"))


def load(key: str | int) -> Transcript:
    """One transcript by number (1 or "01") or full base name."""
    wanted = f"{int(key):02d}-" if str(key).isdigit() else str(key)
    for name in names():
        if name == wanted or name.startswith(wanted):
            path = transcripts_dir() / f"{name}.jsonl"
            with path.open(encoding="utf-8") as handle:
                messages = tuple(
                    Message(row["t"], row["utc"], row["dir"], row["raw"])
                    for row in map(json.loads, handle)
                )
            return Transcript(name, messages)
    raise FileNotFoundError(f"no AMI transcript {key!r} in {transcripts_dir()}")


def load_all() -> list[Transcript]:
    """Every transcript, in order."""
    return [load(name) for name in names()]


class ChannelNames:
    """Gives Local channels numbering-independent names: `Local/1001@sim-agent-<1>;1`.

    Two runs of the same scenario number their Local channels differently; the
    k-th distinct `Local/<exten>@<context>` seen gets `<k>` in both.
    """

    def __init__(self) -> None:
        self._seen: dict[str, dict[str, int]] = {}
        self.actual: dict[str, str] = {}  # normalised -> name as seen

    def normalise(self, name: str | None) -> str | None:
        """The stable name for a channel name (other names pass through)."""
        if not name:
            return name
        match = LOCAL_CHANNEL.match(name)
        if not match:
            return name
        base, seq, half = match.groups()
        per_base = self._seen.setdefault(base, {})
        index = per_base.setdefault(seq, len(per_base) + 1)
        stable = f"{base}-<{index}>{half}"
        self.actual.setdefault(stable, name)
        return stable


class AmiRecorder:
    """A bare AMI client on a real socket that keeps every message exactly as received.

    Messages are :class:`Message` objects like a transcript's; `data` holds the raw
    bytes; `names` numbers the Local channels the way :class:`ChannelNames` does.
    """

    _ids = itertools.count(1)

    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        self.sock = socket.create_connection((host, port), timeout=WAIT_S)
        self.data = b""
        self._pending = b""
        self.messages: list[Message] = []
        self.eof = False
        self.reset = False
        self.names = ChannelNames()
        deadline = time.monotonic() + WAIT_S
        while b"\r\n" not in self._pending and self._fill(deadline):
            pass
        if b"\r\n" in self._pending:
            end = self._pending.index(b"\r\n") + 2
            self._add(self._pending[:end])
            self._pending = self._pending[end:]
            self._split()

    def _fill(self, deadline: float) -> bool:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or self.eof:
            return False
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except TimeoutError:
            return False
        except ConnectionResetError:
            self.reset, chunk = True, b""
        if not chunk:
            self.eof = True
            return False
        self.data += chunk
        self._pending += chunk
        return True

    def _add(self, raw: bytes) -> None:
        message = Message(time.monotonic(), "", SERVER, raw.decode("utf-8"))
        for key in CHANNEL_KEYS:
            self.names.normalise(message.get(key))
        self.messages.append(message)

    def _split(self) -> None:
        while (end := self._pending.find(b"\r\n\r\n")) >= 0:
            self._add(self._pending[: end + 4])
            self._pending = self._pending[end + 4 :]

    # ------------------------------------------------------------- sending

    def send(self, raw: str | bytes) -> None:
        """Send raw text as is."""
        self.sock.sendall(raw.encode("utf-8") if isinstance(raw, str) else raw)

    def action(self, name: str, **headers: str | list[str]) -> str:
        """Send an action (repeated headers as lists); returns its ActionID."""
        action_id = str(headers.pop("ActionID", f"t{next(self._ids)}"))
        lines = [f"Action: {name}", f"ActionID: {action_id}"]
        for key, value in headers.items():
            for item in value if isinstance(value, list) else [value]:
                lines.append(f"{key}: {item}")
        self.send("\r\n".join(lines) + "\r\n\r\n")
        return action_id

    def login(self, username: str, secret: str, **extra: str) -> Message:
        """Log in; returns the response."""
        return self.response(self.action("Login", Username=username, Secret=secret, **extra))

    # ------------------------------------------------------------- reading

    def wait_until(self, condition: Callable[[], bool], timeout: float = WAIT_S) -> bool:
        """Read until the condition holds (or EOF, or timeout); returns the condition."""
        deadline = time.monotonic() + timeout
        while not condition():
            if not self._fill(deadline):
                return condition()
            self._split()
        return True

    def first(self, predicate: Callable[[Message], bool]) -> Message | None:
        """The first message so far that matches."""
        return next((m for m in self.messages if predicate(m)), None)

    def wait_for(self, predicate: Callable[[Message], bool], timeout: float = WAIT_S) -> Message:
        """The first message that matches, reading as needed; AssertionError if none comes."""
        self.wait_until(lambda: self.first(predicate) is not None, timeout)
        found = self.first(predicate)
        if found is None:
            raise AssertionError("expected message did not arrive")
        return found

    def response(self, action_id: str, timeout: float = WAIT_S) -> Message:
        """The response (not an event) carrying this ActionID."""
        return self.wait_for(
            lambda m: m.response is not None and not m.event and m.get("ActionID") == action_id,
            timeout,
        )

    def event(self, name: str, timeout: float = WAIT_S, **fields: str) -> Message:
        """The first event of that name whose headers have these values."""
        return self.wait_for(
            lambda m: m.event == name and all(m.get(k) == v for k, v in fields.items()), timeout
        )

    def events(self, name: str | None = None) -> list[Message]:
        """Events received so far, optionally of one name."""
        return [m for m in self.messages if m.event and (name is None or m.event == name)]

    def read_quiet(self, quiet: float = 0.15) -> None:
        """Read whatever else arrives until the line stays quiet."""
        while self._fill(time.monotonic() + quiet):
            self._split()

    def close(self) -> None:
        """Close the socket."""
        self.sock.close()

    def __enter__(self) -> AmiRecorder:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
