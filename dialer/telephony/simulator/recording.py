"""MixMonitor in the simulator: a real, small WAV file per recorded call.

Asterisk's ``manager_mixmonitor`` answers ``Response: Success`` (no message) once
the recording starts, or an error: "No channel specified", "No such channel",
"Could not start monitoring channel". The simulator has no audio, so it writes
a short tone at once; the product then finds, serves and deletes a real file.
"""

from __future__ import annotations

import math
import re
import struct
import wave
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from dialer.telephony.simulator.channels import Channel
from dialer.telephony.simulator.wire import Request, encode, error, response

if TYPE_CHECKING:
    from dialer.telephony.simulator.parts import Client

RATE = 8000  # Asterisk's slin, 8 kHz mono 16-bit
SECONDS = 2.0
_SAFE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,120}")


def write_tone(path: Path, seconds: float = SECONDS, hz: float = 440.0) -> None:
    """A mono 8 kHz 16-bit WAV of a quiet tone: small, valid, seekable."""
    frames = int(RATE * seconds)
    samples = (int(6000 * math.sin(2 * math.pi * hz * n / RATE)) for n in range(frames))
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(b"".join(struct.pack("<h", s) for s in samples))


class Recorder:
    """The MixMonitor action: the file lands in ``directory`` under its bare name."""

    def __init__(self, directory: str | None, find_channel: Callable[[str], Channel | None]):
        self.directory = Path(directory) if directory else None
        self.find_channel = find_channel

    def mixmonitor(self, session: Client, req: Request) -> None:
        """MixMonitor: start recording the channel (here: write the file now)."""
        name = req.get("Channel").strip()
        if not name:
            session.write(error(req.action_id, "No channel specified"))
            return
        if self.find_channel(name) is None:
            session.write(error(req.action_id, "No such channel"))
            return
        filename = req.get("File").strip()
        if self.directory is None or not _SAFE_NAME.fullmatch(filename) or ".." in filename:
            session.write(error(req.action_id, "Could not start monitoring channel"))
            return
        write_tone(self.directory / filename)
        session.write(encode(response("Success", req.action_id)))
