"""The telephony port on Asterisk's AMI, through pyst2 (hardened in ``ami_manager``).

Two ways to use :class:`AmiAdapter`:

* Asking (web requests, RQ jobs): call the port methods. A connection is
  opened on first use and kept (with keepalive pings); when it is down the
  methods fail at once with TelephonyError rather than wait, and a new
  connection is tried no sooner than the backoff allows.
* Listening (``listener.run_listener``): ``start(handle)`` keeps one
  connection up, reconnecting with backoff, and hands every port event to
  ``handle`` from one thread, in order: ConnectionHealth UP on the first
  connection, DOWN when it drops, RECONNECTED after each reconnect (the domain
  then reconciles with ``live_channels()``), CONFIG_ERROR when the login is
  refused (then retried only every ``config_error_backoff_s``).

An Originate is sent once. If the connection is down it is not sent at all
(NotSent); if it drops before the PBX confirms, the call fails with
TelephonyError and is never re-sent: the domain checks ``live_channels()`` for
its call id before dialling again.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from datetime import UTC, datetime

from dialer.telephony.ami import requests as ami_requests
from dialer.telephony.ami.calls import check_call_uid
from dialer.telephony.ami.extension_states import device_state, hint_state
from dialer.telephony.ami.live_calls import LiveCalls
from dialer.telephony.ami.manager import AmiManager, AmiNotConnected, Control
from dialer.telephony.ami.protocol import is_success, raise_unless_success
from dialer.telephony.ami.settings import AmiSettings
from dialer.telephony.ami.translate import WANTED_EVENTS, AdoptedCall, AmiTranslator
from dialer.telephony.port import (
    AgentFirstCall,
    ConnectionHealth,
    CustomerFirstCall,
    EventHandler,
    ExtensionState,
    Health,
    LiveChannel,
    NotSent,
    RecordCall,
    TelephonyConfigError,
    TelephonyError,
    UnsafeValueError,
)

log = logging.getLogger(__name__)


class Backoff:
    """Exponential delays with jitter between reconnect attempts."""

    def __init__(self, minimum: float, maximum: float) -> None:
        self.minimum, self.maximum = minimum, maximum
        self.attempt = 0

    def next_delay(self) -> float:
        """The delay before the next attempt (grows until ``maximum``)."""
        delay = min(self.maximum, self.minimum * (2**self.attempt))
        self.attempt += 1
        return delay * random.uniform(0.75, 1.0)

    def reset(self) -> None:
        """Start again from the shortest delay (after a success)."""
        self.attempt = 0


class AmiAdapter:
    """TelephonyPort over AMI (see the module docstring for the two ways to use it)."""

    def __init__(self, settings: AmiSettings) -> None:
        self.settings = settings
        self._conn: AmiManager | None = None
        self._conn_lock = threading.Lock()
        self._open_lock = threading.Lock()
        self._seq = 0
        self._seq_lock = threading.Lock()
        self._backoff = Backoff(settings.reconnect_min_s, settings.reconnect_max_s)
        self._retry_at = 0.0
        self._last_error: TelephonyError | None = None
        self._handle: EventHandler | None = None
        self._translator: AmiTranslator | None = None
        self._stop = threading.Event()
        self._supervisor: threading.Thread | None = None
        self._live = LiveCalls()
        self.event_errors = 0

    # ------------------------------------------------------------ the port

    def originate_agent_first(self, call: AgentFirstCall) -> None:
        """Queue the call at the PBX; the outcome arrives later as events."""
        headers = ami_requests.agent_first_originate(
            call,
            seq=self._next_seq(),
            agent_template=self.settings.agent_channel,
            context=self.settings.outbound_context,
            max_timeout_s=self.settings.originate_timeout_s,
        )
        self._originate(headers)

    def originate_customer_first(self, call: CustomerFirstCall) -> None:
        """Queue the call at the PBX; the outcome arrives later as events."""
        headers = ami_requests.customer_first_originate(
            call,
            seq=self._next_seq(),
            customer_template=self.settings.customer_channel,
            context=self.settings.queue_context,
            max_timeout_s=self.settings.originate_timeout_s,
            predictive_context=self.settings.predictive_context,
        )
        self._originate(headers)

    def hangup(self, call_uid: str) -> bool:
        """Hang up every channel of our call, the agent's first; False when none was up."""
        check_call_uid(call_uid)
        conn = self._connection()
        hung_up = False
        for live in self._live.snapshot(conn):
            if live.call_uid != call_uid:
                continue
            for channel in live.hangup_order():
                response = conn.send_action(Action="Hangup", Channel=channel["Channel"], Cause="16")
                hung_up |= is_success(response)
        return hung_up

    def start_recording(self, request: RecordCall) -> bool:
        """MixMonitor on the call's first channel, bridged audio only; False when it is gone."""
        filename = ami_requests.check_filename(request.filename)
        conn = self._connection()
        for live in self._live.snapshot(conn):
            ours = (request.call_uid and live.call_uid == request.call_uid) or (
                request.call_ref and live.linkedid == request.call_ref
            )
            if not ours:
                continue
            root = next((c for c in live.channels if c.get("Uniqueid") == live.linkedid), None)
            channel = (root or live.channels[0])["Channel"]
            response = conn.send_action(
                Action="MixMonitor", Channel=channel, File=filename, Options="b"
            )
            raise_unless_success(response, "MixMonitor", tolerated="no such channel")
            return is_success(response)
        return False

    def live_channels(self) -> list[LiveChannel]:
        """Channels the PBX has up right now, with our call id where the call is ours."""
        conn = self._connection()
        return [channel for live in self._live.snapshot(conn) for channel in live.port_channels()]

    def extension_state(self, extension: str) -> ExtensionState:
        """The state of an agent's extension: its hint, else DEVICE_STATE of its agent device."""
        device = ami_requests.agent_channel(self.settings.agent_channel, extension)
        conn = self._connection()
        hint = conn.send_action(Action="ExtensionState", Exten=extension, Context=self.hint_context)
        if is_success(hint) and _int(hint.headers.get("Status")) >= 0:
            return hint_state(hint.headers.get("StatusText", ""))
        response = conn.send_action(Action="Getvar", Variable=f"DEVICE_STATE({device})")
        raise_unless_success(response, "Getvar DEVICE_STATE")
        return device_state(response.headers.get("Value", ""))

    @property
    def hint_context(self) -> str:
        """Where the agents' hints are: AMI_HINT_CONTEXT, else the agent template's context."""
        template = self.settings.agent_channel
        return self.settings.hint_context or (template.partition("@")[2] or "default")

    def queue_add(self, queue: str, extension: str, member_name: str = "") -> None:
        """Put the agent's extension in an inbound queue (idempotent)."""
        headers = {
            "Action": "QueueAdd",
            "Queue": ami_requests.check_queue(queue),
            "Interface": ami_requests.agent_channel(self.settings.agent_channel, extension),
            "Paused": "false",
        }
        if member_name:
            headers["MemberName"] = member_name
        response = self._connection().send_action(headers)
        raise_unless_success(response, "QueueAdd", tolerated="already there")

    def queue_remove(self, queue: str, extension: str) -> None:
        """Take the agent's extension out of an inbound queue (idempotent)."""
        response = self._connection().send_action(
            Action="QueueRemove",
            Queue=ami_requests.check_queue(queue),
            Interface=ami_requests.agent_channel(self.settings.agent_channel, extension),
        )
        raise_unless_success(response, "QueueRemove", tolerated="not there")

    def queue_pause(self, extension: str, paused: bool, reason: str = "") -> None:
        """Stop (or resume) queue calls to the extension in every queue it is in."""
        headers = {
            "Action": "QueuePause",
            "Interface": ami_requests.agent_channel(self.settings.agent_channel, extension),
            "Paused": "true" if paused else "false",
        }
        if reason:
            headers["Reason"] = reason
        response = self._connection().send_action(headers)
        raise_unless_success(response, "QueuePause", tolerated="interface not found")

    # ------------------------------------------------------------- listening

    def start(self, handle: EventHandler) -> None:
        """Keep a connection up in the background and hand every port event to ``handle``."""
        self._handle = handle
        self._translator = AmiTranslator(self._emit, agent_channel=self.settings.agent_channel)
        self._supervisor = threading.Thread(
            target=self._supervise, name="ami-supervisor", daemon=True
        )
        self._supervisor.start()

    def stop(self) -> None:
        """Stop listening and close the connection."""
        self._stop.set()
        with self._conn_lock:
            conn = self._conn
        if conn is not None:
            conn.close()
        if self._supervisor is not None:
            self._supervisor.join(timeout=self.settings.response_timeout_s * 2)

    close = stop

    def is_connected(self) -> bool:
        """True while a logged-in connection is up."""
        conn = self._conn
        return conn is not None and conn.is_alive()

    def _supervise(self) -> None:
        ever_up = False
        down_reported = False
        while not self._stop.is_set():
            try:
                conn = self._open()
            except TelephonyConfigError as exc:
                self._emit(_health(Health.CONFIG_ERROR, str(exc)))
                self._stop.wait(self.settings.config_error_backoff_s)
                continue
            except TelephonyError as exc:
                if not down_reported:
                    self._emit(_health(Health.DOWN, str(exc)))
                    down_reported = True
                self._stop.wait(self._backoff.next_delay())
                continue
            if self._stop.is_set():  # stop() came while we were connecting
                conn.close()
                break
            self._backoff.reset()
            self._resume(conn, Health.RECONNECTED if ever_up else Health.UP)
            ever_up, down_reported = True, False
            conn.closed.wait()
            conn.event_dispatch_thread.join(timeout=30)
            if self._stop.is_set():
                break
            self._emit(_health(Health.DOWN, conn.lost_reason))
            down_reported = True
            self._stop.wait(self._backoff.next_delay())

    def _resume(self, conn: AmiManager, health: Health) -> None:
        """Adopt our calls still up, then say UP/RECONNECTED, in order with the events."""
        try:
            adopted = [
                AdoptedCall(live.call_uid, live.flow, live.linkedid, live.channels)
                for live in self._live.snapshot(conn)
                if live.call_uid and live.flow
            ]
        except TelephonyError as exc:
            conn.abort(f"could not list channels after connecting: {exc}")
            return
        conn._event_queue.put(Control("reconcile", adopted))
        conn._event_queue.put(Control("health", health))

    def _on_ami_event(self, event: object, manager: AmiManager) -> None:
        """pyst2 callback, run on the connection's dispatch thread, for every event."""
        translator = self._translator
        try:
            if isinstance(event, Control):
                if event.kind == "reconcile" and translator is not None:
                    translator.reconcile(event.payload, _now())
                elif event.kind == "health":
                    self._emit(_health(event.payload, self.settings.address))
            elif translator is not None:
                at = datetime.fromtimestamp(event.received_at, UTC)
                translator.feed(event.name, event.headers, at)
        except Exception:
            # One bad event must not kill the dispatch thread (pyst2 has no guard).
            self.event_errors += 1
            log.exception("AMI event %s could not be translated", getattr(event, "name", event))

    def _emit(self, event: object) -> None:
        if self._handle is not None:
            self._handle(event)

    # ---------------------------------------------------------- connections

    def _open(self) -> AmiManager:
        """Connect and log in; a new pyst2 Manager per connection (they cannot reconnect)."""
        s = self.settings
        listening = self._translator is not None
        conn = AmiManager(
            response_timeout_s=s.response_timeout_s,
            idle_timeout_s=s.ping_interval_s + s.response_timeout_s,
            wanted_events=WANTED_EVENTS if listening else frozenset(),
        )
        if listening:
            conn.register_event("*", self._on_ami_event)
        conn.connect(s.host, s.port, timeout=s.connect_timeout_s)
        try:
            conn.login(s.username, s.secret)
            if not listening:
                conn.send_action(Action="Events", EventMask="off")
        except TelephonyError:
            conn.close()
            raise
        conn.start_keepalive(s.ping_interval_s)
        with self._conn_lock:
            self._conn = conn
        return conn

    def _connection(self) -> AmiManager:
        """The live connection; when asking (not listening) open one if the backoff allows."""
        conn = self._conn
        if conn is not None and conn.is_alive():
            return conn
        if self._supervisor is not None:
            raise TelephonyError(f"not connected to the PBX at {self.settings.address}")
        with self._open_lock:  # one thread connects; the others then use its connection
            return self._reconnect_for_asking()

    def _reconnect_for_asking(self) -> AmiManager:
        conn = self._conn
        if conn is not None and conn.is_alive():
            return conn
        if time.monotonic() < self._retry_at and self._last_error is not None:
            raise type(self._last_error)(f"{self._last_error} (not retried yet)")
        try:
            conn = self._open()
        except TelephonyError as exc:
            delay = (
                self.settings.config_error_backoff_s
                if isinstance(exc, TelephonyConfigError)
                else self._backoff.next_delay()
            )
            self._last_error, self._retry_at = exc, time.monotonic() + delay
            raise
        self._backoff.reset()
        self._last_error = None
        return conn

    def _originate(self, headers: dict) -> None:
        try:
            conn = self._connection()
        except TelephonyError as exc:
            raise NotSent(f"Originate {headers['ActionID']} not sent: {exc}") from exc
        try:
            response = conn.send_action(headers)
        except UnsafeValueError:
            raise  # refused before anything was written
        except AmiNotConnected as exc:
            raise NotSent(f"Originate {headers['ActionID']} not sent: {exc}") from exc
        except TelephonyError as exc:
            raise TelephonyError(
                f"the PBX did not confirm Originate {headers['ActionID']} ({exc}); the call may "
                "have been placed: check live channels for this call id before dialling again"
            ) from exc
        raise_unless_success(response, "Originate")

    def _next_seq(self) -> int:
        with self._seq_lock:
            self._seq += 1
            return self._seq


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        return -1


def _health(health: Health, detail: str) -> ConnectionHealth:
    return ConnectionHealth(at=_now(), health=health, detail=detail)


def _now() -> datetime:
    return datetime.now(UTC)
