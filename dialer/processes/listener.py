"""The AMI listener's side of the app: each port event in its own transaction, screens told after.

``flask ami-listener`` hands every port event here from one thread, in order.
An event is applied by ``domain.events`` and committed; only then are its
notices published, so a screen never shows what the database does not hold.
After the connection comes back the calls the PBX no longer has are closed.
Beside the events, a sweeper runs every few seconds: it pauses agents whose
screen went silent, closes calls that never heard from the PBX, and gives back
leads held by agents who are gone.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from flask import Flask
from sqlalchemy.exc import OperationalError

from dialer import live
from dialer.domain.dialing import calls, inbound
from dialer.domain.dialing.events import apply_port_event
from dialer.domain.notices import Notice
from dialer.domain.people import agents
from dialer.extensions import db, redis_hub
from dialer.models import utcnow
from dialer.telephony.port import (
    CallConnected,
    ConnectionHealth,
    Health,
    PortEvent,
    QueueCallConnected,
    TelephonyError,
    TelephonyPort,
)

log = logging.getLogger(__name__)

_TRIES = 3
# A call with no word from the PBX this long after it was placed is closed.
STALE_CALL_S = 90


def in_transaction(app: Flask, work: Callable[[], list[Notice]]) -> list[Notice]:
    """Run ``work`` in one committed transaction, again on a lock conflict; publish after."""
    with app.app_context():
        for attempt in range(1, _TRIES + 1):
            try:
                notices = work()
                db.session.commit()
                break
            except OperationalError:  # a deadlock or a busy SQLite file: the work is safe to redo
                db.session.rollback()
                if attempt == _TRIES:
                    raise
            finally:
                db.session.remove()
        live.publish_notices(redis_hub.client, notices)
        return notices


def reconcile(app: Flask, port: TelephonyPort, now: datetime) -> list[Notice]:
    """Close the calls we think are up that the PBX no longer has."""
    channels = port.live_channels()
    live_ids = {channel.call_id for channel in channels if channel.call_id}
    live_linkedids = {channel.linkedid for channel in channels}
    notices = in_transaction(app, lambda: calls.reconcile_calls(db.session, live_ids, now))
    notices += in_transaction(
        app, lambda: inbound.reconcile_queue_calls(db.session, live_linkedids, now)
    )
    return notices


def sweep(app: Flask, now: datetime) -> list[Notice]:
    """The periodic checks: silent screens, calls lost on the way, leads of agents who left."""
    timeout = app.config["DIALER_HEARTBEAT_TIMEOUT_S"]

    def work() -> list[Notice]:
        notices = agents.pause_silent_agents(db.session, now, timeout)
        notices += calls.close_stale_calls(db.session, now, stale_after_s=STALE_CALL_S)
        agents.release_orphan_claims(db.session)
        return notices

    return in_transaction(app, work)


def sweep_interval(app: Flask) -> float:
    """Seconds between sweeps: a fraction of the heartbeat timeout, at most five."""
    return max(0.2, min(5.0, app.config["DIALER_HEARTBEAT_TIMEOUT_S"] / 6))


class PortEventHandler:
    """What the listener calls for each port event; also owns the sweeper thread."""

    def __init__(self, app: Flask, port: TelephonyPort) -> None:
        self.app = app
        self.port = port
        self._stop = threading.Event()
        self._sweeper = threading.Thread(target=self._sweep_forever, name="sweeper", daemon=True)
        self._sweeper.start()

    def __call__(self, event: PortEvent) -> None:
        if isinstance(event, ConnectionHealth):
            self._on_health(event)
            return
        notices = in_transaction(self.app, lambda: apply_port_event(db.session, event))
        self._send_webhooks(notices)
        if isinstance(event, CallConnected | QueueCallConnected):
            self._record(event)

    def _record(self, event: CallConnected | QueueCallConnected) -> None:
        """Name the connected call's recording, then have the calls worker ask the PBX."""
        from dialer.domain.dialing.recordings import plan_recording
        from dialer.jobs.recordings import enqueue_recording

        planned: list[int] = []

        def work() -> list[Notice]:
            if isinstance(event, CallConnected):
                found = plan_recording(db.session, call_uid=event.call_id)
            else:
                found = plan_recording(db.session, call_ref=event.call_ref)
            planned.extend([found[0]] if found else [])
            return []

        try:
            in_transaction(self.app, work)
            for call_id in planned:
                with self.app.app_context():
                    enqueue_recording(call_id)
        except Exception:  # a recording must never cost the PBX's next event
            log.exception("could not start recording the call")

    def _send_webhooks(self, notices: list[Notice]) -> None:
        """Queue the other CRM's webhooks for what the event changed; never stops the listener."""
        from dialer.jobs.crm import enqueue_webhooks

        try:
            with self.app.app_context():
                enqueue_webhooks(notices)
        except Exception:  # a webhook must never cost the PBX's next event
            log.exception("could not queue the CRM webhooks")

    def _on_health(self, event: ConnectionHealth) -> None:
        log.warning("PBX connection %s: %s", event.health, event.detail)
        if event.health in (Health.UP, Health.RECONNECTED):
            try:
                reconcile(self.app, self.port, event.at)
            except TelephonyError:
                log.exception("could not reconcile calls with the PBX")

    def _sweep_forever(self) -> None:
        interval = sweep_interval(self.app)
        while not self._stop.wait(interval):
            try:
                sweep(self.app, utcnow())
            except Exception:  # one failed sweep must not stop the next
                log.exception("sweep failed")

    def stop(self) -> None:
        """Stop the sweeper (the listener stops the port)."""
        self._stop.set()
        self._sweeper.join(timeout=5)


def handler_factory(app: Flask) -> Callable[[TelephonyPort], PortEventHandler]:
    """What ``make_listener_command`` needs: given the listener's port, the event handler."""
    return lambda port: PortEventHandler(app, port)
