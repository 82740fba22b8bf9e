"""pyst2's Manager, hardened: one instance is one AMI connection.

What pyst2 0.5.1 gets wrong against a real Asterisk, and what this subclass
overrides (the event queue, dispatch thread, callback registry, ``Event`` and
the action helpers ``login``/``ping``/``logoff``/``hangup`` stay pyst2's):

* ``message_loop`` reads the socket in 64 KiB chunks (pyst2: one byte per
  system call), frames and parses with :mod:`ami_protocol` (pyst2's parser
  dies on ``ChanVariable``), and routes each response to the caller waiting
  for its ActionID (pyst2 hands responses out first-in-first-out to whichever
  thread asks next).
* ``send_action`` copies its arguments (pyst2 shares one default dict between
  calls), refuses CR/LF/NUL in any header, and waits for the response with a
  timeout (pyst2 waits forever).
* The socket has a read timeout and a keepalive pinger, so a silent or
  half-open connection is noticed; a lost connection fails every waiting
  caller at once. A Manager cannot be reconnected (pyst2's threads start once):
  the adapter makes a new one per connection.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable

from asterisk.manager import Event, Manager, ManagerAuthException

from dialer.telephony.ami.protocol import AmiFramer, AmiMessage, encode_action
from dialer.telephony.port import TelephonyConfigError, TelephonyError

log = logging.getLogger(__name__)

_READ_SIZE = 65536
_ids = itertools.count(1)


class AmiConnectionLost(TelephonyError):
    """The AMI connection closed or went silent."""


class AmiNotConnected(AmiConnectionLost):
    """The connection was already down: the action was not written."""


class AmiTimeout(TelephonyError):
    """No response to an action in time."""


class _Waiter:
    """A caller waiting for the response (and list items) of one ActionID."""

    __slots__ = ("done", "response", "error", "events")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.response: AmiMessage | None = None
        self.error: TelephonyError | None = None
        self.events: list[AmiMessage] = []


class Control:
    """A message the adapter puts on the event queue to be handled in order with events."""

    name = "DialerControl"

    def __init__(self, kind: str, payload: object = None) -> None:
        self.kind = kind
        self.payload = payload


class AmiManager(Manager):
    """One AMI connection: correlated, time-limited actions and an in-order event stream."""

    def __init__(
        self,
        *,
        response_timeout_s: float = 5.0,
        idle_timeout_s: float = 30.0,
        wanted_events: Iterable[str] | None = None,
        on_lost: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__()
        self.response_timeout_s = response_timeout_s
        self.idle_timeout_s = idle_timeout_s
        self.wanted_events = frozenset(wanted_events) if wanted_events is not None else None
        self.on_lost = on_lost
        self.lost_reason = ""
        self.reads = 0  # recv() calls, for the tests that show the buffered reader
        self.closed = threading.Event()
        self._raw: socket.socket | None = None
        self._framer = AmiFramer()
        self._write_lock = threading.Lock()
        self._waiters: dict[str, _Waiter] = {}
        self._waiters_lock = threading.Lock()
        self._lost_lock = threading.Lock()
        self._closing = False
        self._pinger: threading.Thread | None = None
        self._prefix = f"ami{next(_ids)}-"

    # ----------------------------------------------------------- connection

    def connect(self, host: str, port: int = 5038, timeout: float = 5.0) -> str:  # type: ignore[override]
        """Open the TCP connection and read the greeting; returns the greeting line."""
        try:
            raw = socket.create_connection((host, int(port)), timeout=timeout)
        except OSError as exc:
            raise TelephonyError(f"cannot reach the PBX at {host}:{port}: {_why(exc)}") from exc
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pending = self._read_greeting(raw, host, port)
        raw.settimeout(self.idle_timeout_s)
        self._raw = raw
        self._connected.set()
        self._running.set()
        for text in pending:  # before the reader starts, so nothing overtakes them
            self._route(text, time.time())
        self.message_thread.start()
        self.event_dispatch_thread.start()
        return self.title or ""

    def _read_greeting(self, raw: socket.socket, host: str, port: int) -> list[str]:
        try:
            while self._framer.greeting is None:
                data = raw.recv(_READ_SIZE)
                if not data:
                    raise TelephonyError(f"the PBX at {host}:{port} closed the connection at once")
                pending = self._framer.feed(data)
                if pending and self._framer.greeting is None:
                    break
        except OSError as exc:
            raw.close()
            raise TelephonyError(f"no AMI greeting from {host}:{port}: {_why(exc)}") from exc
        except TelephonyError:
            raw.close()
            raise
        greeting = self._framer.greeting or ""
        if "/" not in greeting:
            raw.close()
            raise TelephonyError(f"{host}:{port} does not speak AMI (greeting {greeting!r})")
        self.title, _, self.version = (part.strip() for part in greeting.partition("/"))
        return pending

    def login(self, username: str, secret: str) -> AmiMessage:  # type: ignore[override]
        """Log in; a refused login raises TelephonyConfigError (retrying will not help)."""
        try:
            return super().login(username, secret)
        except ManagerAuthException as exc:
            raise TelephonyConfigError(
                f"the PBX refused AMI login for user {username!r}: {exc} "
                "(check AMI_USERNAME / AMI_SECRET and the permit= lines of manager.conf)"
            ) from exc

    def start_keepalive(self, interval_s: float) -> None:
        """Ping every ``interval_s``; a ping without answer closes the connection."""
        self._pinger = threading.Thread(
            target=self._keepalive, args=(interval_s,), name="ami-keepalive", daemon=True
        )
        self._pinger.start()

    def _keepalive(self, interval_s: float) -> None:
        while not self.closed.wait(interval_s):
            try:
                self.ping()
            except TelephonyError as exc:
                self.abort(f"keepalive ping failed: {exc}")
                return

    def is_alive(self) -> bool:
        """True while the connection is up."""
        return self._connected.is_set() and not self.closed.is_set()

    def abort(self, reason: str) -> None:
        """Drop the connection now (the reader notices and fails every waiter)."""
        if not self.lost_reason:
            self.lost_reason = reason
        self._connected.clear()  # no new action goes out on it from now on
        raw = self._raw
        if raw is not None:
            with contextlib.suppress(OSError):  # already closed
                raw.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Log off if still up, close the socket and stop the threads (idempotent)."""
        self._closing = True
        if self.is_alive():
            with contextlib.suppress(TelephonyError):  # closing anyway
                self.logoff()
        self.abort("closed by the dialer")
        current = threading.current_thread()
        for thread in (self.message_thread, self.event_dispatch_thread):
            if thread.ident is not None and thread is not current:
                thread.join(timeout=self.response_timeout_s)
        if self._raw is not None:
            self._raw.close()

    def __del__(self) -> None:
        raw = getattr(self, "_raw", None)
        if raw is not None:
            raw.close()

    # --------------------------------------------------------------- reading

    def message_loop(self) -> None:
        """Reader thread: read big chunks, frame, parse, route (replaces pyst2's two threads)."""
        reason = "the PBX closed the connection"
        raw = self._raw
        assert raw is not None
        try:
            while True:
                try:
                    data = raw.recv(_READ_SIZE)
                except TimeoutError:
                    reason = f"nothing received from the PBX for {self.idle_timeout_s:g} s"
                    break
                except OSError as exc:
                    reason = f"connection error: {_why(exc)}"
                    break
                if not data:
                    break
                self.reads += 1
                received_at = time.time()
                for text in self._framer.feed(data):
                    self._route(text, received_at)
        finally:
            self._lost(self.lost_reason or reason)
            raw.close()

    def _route(self, text: str, received_at: float) -> None:
        if text.startswith("Event: ") and self.wanted_events is not None and not self._waiters:
            eol = text.find("\r\n")
            if (text[7:eol] if eol > 0 else text[7:]) not in self.wanted_events:
                return
        message = AmiMessage(text)
        headers = message.headers
        action_id = headers.get("ActionID")
        if "Event" in headers:
            waiter = self._waiters.get(action_id) if action_id else None
            if waiter is not None and waiter.response is not None:
                self._collect(action_id, waiter, message)
                return
            event = Event(message)
            event.received_at = received_at
            self._event_queue.put(event)
            return
        waiter = self._waiters.get(action_id) if action_id else None
        if waiter is None:
            log.debug("AMI response nobody waits for: %s", headers)
            return
        waiter.response = message
        if headers.get("EventList", "").lower() != "start":
            self._finish(action_id, waiter)

    def _collect(self, action_id: str, waiter: _Waiter, message: AmiMessage) -> None:
        if message.headers.get("EventList", "").lower() == "complete":
            assert waiter.response is not None
            waiter.response.events = waiter.events
            self._finish(action_id, waiter)
        else:
            waiter.events.append(message)

    def _finish(self, action_id: str, waiter: _Waiter) -> None:
        with self._waiters_lock:
            self._waiters.pop(action_id, None)
        waiter.done.set()

    def _lost(self, reason: str) -> None:
        with self._lost_lock:
            if self.closed.is_set():
                return
            self.lost_reason = reason
            self._connected.clear()
            self.closed.set()
        with self._waiters_lock:
            waiters = list(self._waiters.values())
            self._waiters.clear()
        for waiter in waiters:
            waiter.error = AmiConnectionLost(reason)
            waiter.done.set()
        # _running stays set: pyst2's dispatch loop would otherwise drop what is still queued.
        self._event_queue.put(Control("lost", reason))
        self._event_queue.put(None)  # ends pyst2's dispatch thread once the queue drains
        if self.on_lost is not None and not self._closing:
            self.on_lost(reason)

    # --------------------------------------------------------------- sending

    def next_action_id(self) -> str:
        """A fresh ActionID for an action that carries no call id."""
        return f"{self._prefix}{self.next_seq()}"

    def send_action(self, cdict: dict | None = None, **kwargs: object) -> AmiMessage:  # type: ignore[override]
        """Send one action and return its response (list items in ``.events``).

        Raises UnsafeValueError before anything is written when a header value
        could inject lines, AmiTimeout when no response comes in time (the
        connection is then dropped: a PBX that does not answer is not trusted),
        AmiConnectionLost when the connection is or goes down.
        """
        headers = dict(cdict or {})
        headers.update(kwargs)
        action_id = str(headers.setdefault("ActionID", self.next_action_id()))
        payload = encode_action(headers)
        if not self.is_alive():
            raise AmiNotConnected(f"not connected to the PBX ({self.lost_reason or 'closed'})")
        waiter = _Waiter()
        with self._waiters_lock:
            if action_id in self._waiters:
                raise TelephonyError(f"ActionID {action_id!r} is already waiting for a response")
            self._waiters[action_id] = waiter
        try:
            with self._write_lock:
                assert self._raw is not None
                self._raw.sendall(payload)
        except OSError as exc:
            self.abort(f"write failed: {_why(exc)}")
            with self._waiters_lock:
                self._waiters.pop(action_id, None)
            raise AmiConnectionLost(f"could not send {headers.get('Action')}: {_why(exc)}") from exc
        if not waiter.done.wait(self.response_timeout_s):
            with self._waiters_lock:
                self._waiters.pop(action_id, None)
            reason = f"no response to {headers.get('Action')} within {self.response_timeout_s:g} s"
            self.abort(reason)
            raise AmiTimeout(reason)
        if waiter.error is not None:
            raise waiter.error
        assert waiter.response is not None
        return waiter.response


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__
