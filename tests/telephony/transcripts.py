"""The recorded AMI transcripts (``shared/ami-transcripts/*.jsonl``) for tests.

Each transcript is what a real Asterisk 22 sent and received on one connection.
The directory comes from ``AMI_TRANSCRIPTS_DIR``, else ``shared/ami-transcripts``
beside the repository root.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
TRANSCRIPTS_ENV = "AMI_TRANSCRIPTS_DIR"
LOCAL_CHANNEL = re.compile(r"^(Local/[^;/]+)-([0-9a-f]{8})(;[12])$")

CLIENT, SERVER, EOF, NOTE = "client", "server", "eof", "note"


def transcripts_dir() -> Path:
    """Where the .jsonl transcripts live."""
    configured = os.environ.get(TRANSCRIPTS_ENV)
    if configured:
        return Path(configured)
    return REPO_ROOT.parent / "shared" / "ami-transcripts"


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
        return int(self.name.split("-", 1)[0])

    def sent_by(self, direction: str) -> list[Message]:
        """Messages of one direction, in order."""
        return [m for m in self.messages if m.direction == direction]

    @property
    def server(self) -> list[Message]:
        return self.sent_by(SERVER)

    @property
    def client(self) -> list[Message]:
        return self.sent_by(CLIENT)

    def events(self, name: str | None = None) -> list[Message]:
        """Server events, optionally of one name."""
        return [m for m in self.server if m.event and (name is None or m.event == name)]

    @property
    def ends_with_eof(self) -> bool:
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
