"""What the PBX saw: the customers it dialled (its AMI events) and the Originates it was sent.

An independent AMI client (not the product's) logs in with every event on and
notes, per dialled number, when a customer channel (``Local/<number>@sim-callee``)
came up and when it hung up. When the PBX dies its calls die with it: every
channel still open ends at that moment. A test compares this record with what
the product believes (attempts, one call at a time per lead).
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

CUSTOMER_CHANNEL = re.compile(r"Local/(\+?\d+)@sim-callee-[0-9a-f]+;1")
ORIGINATE_CALL_ID = re.compile(r"Variable: DIALER_CALL_ID=([0-9a-f]+)")


@dataclass
class Dial:
    """One customer channel: the number, when it came up and when it went (None: still up)."""

    number: str
    started: float
    ended: float | None = None


class AmiWatch:
    """Watches one PBX at a time; ``follow(port)`` moves it to a restarted PBX."""

    def __init__(self, username: str, secret: str) -> None:
        self._login = (username, secret)
        self._lock = threading.Lock()
        self.dials: list[Dial] = []
        self._open: dict[str, Dial] = {}
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def follow(self, port: int, timeout: float = 10.0) -> None:
        """Watch the PBX on ``port`` from now on; returns once logged in to it."""
        self.stop()
        sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        buffer = bytearray()
        while b"\r\n" not in buffer:
            buffer += sock.recv(4096) or b"\r\n"
        del buffer[: buffer.index(b"\r\n") + 2]
        user, secret = self._login
        sock.sendall(
            f"Action: Login\r\nActionID: watch\r\nUsername: {user}\r\nSecret: {secret}\r\n"
            "Events: on\r\n\r\n".encode()
        )
        while b"Response: Success" not in buffer:
            data = sock.recv(65536)
            if not data or b"Response: Error" in buffer:
                raise ConnectionError("the PBX refused the watcher's login")
            buffer += data
        sock.settimeout(None)
        self._sock = sock
        self._thread = threading.Thread(target=self._read, args=(sock,), daemon=True)
        self._thread.start()

    def _read(self, sock: socket.socket) -> None:
        buffer = b""
        with contextlib.suppress(OSError):
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                buffer += data
                *blocks, buffer = buffer.split(b"\r\n\r\n")
                for block in blocks:
                    self._on_block(block.decode("utf-8", "replace"))
        self._end_all(time.monotonic())  # the PBX went: every call it had went with it

    def _on_block(self, block: str) -> None:
        fields = dict(line.split(": ", 1) for line in block.split("\r\n") if ": " in line)
        event, channel = fields.get("Event"), fields.get("Channel", "")
        match = CUSTOMER_CHANNEL.fullmatch(channel)
        if match is None or event not in ("Newchannel", "Hangup"):
            return
        with self._lock:
            if event == "Newchannel" and channel not in self._open:
                dial = Dial(match.group(1).lstrip("+"), time.monotonic())
                self._open[channel] = dial
                self.dials.append(dial)
            elif event == "Hangup" and channel in self._open:
                self._open.pop(channel).ended = time.monotonic()

    def _end_all(self, at: float) -> None:
        with self._lock:
            for dial in self._open.values():
                dial.ended = at
            self._open.clear()

    def open_dials(self) -> int:
        """Customer channels up now, as far as the watcher saw."""
        with self._lock:
            return len(self._open)

    def stop(self) -> None:
        """Stop watching (the open channels end now)."""
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)
            self._sock.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._sock = self._thread = None


class OriginateLog:
    """Every Originate our processes sent the PBX, by call id, read off the wire (a proxy tap)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sent: list[tuple[str, float]] = []  # (our call id, when)

    def tap(self) -> Callable[[bytes], None]:
        """A reader for one connection's client-to-PBX bytes."""
        pending = bytearray()

        def read(data: bytes) -> None:
            pending.extend(data)
            while (end := pending.find(b"\r\n\r\n")) >= 0:
                block = bytes(pending[:end]).decode("utf-8", "replace")
                del pending[: end + 4]
                if "Action: Originate" in block and (found := ORIGINATE_CALL_ID.search(block)):
                    with self._lock:
                        self.sent.append((found.group(1), time.monotonic()))

        return read

    def times_sent(self) -> dict[str, int]:
        """How many Originates went out for each call id."""
        with self._lock:
            return dict(Counter(call_uid for call_uid, _at in self.sent))
