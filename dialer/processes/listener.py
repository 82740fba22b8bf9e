"""The AMI listener's side of the app: each port event in its own transaction, screens told after.

``flask ami-listener`` hands every port event here from one thread, in order.
An event is applied by ``domain.events`` and committed; only then are its
notices published, so a screen never shows what the database does not hold.
After the connection comes back the calls the PBX no longer has are closed.
Like every worker, the listener also runs a housekeeper (``processes.housekeeping``):
the periodic sweep runs in whichever of them holds the lease.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from flask import Flask

from dialer import live, pbx_status
from dialer.domain.dialing import calls, inbound, lost_calls, pbx_link
from dialer.domain.dialing.events import apply_port_event
from dialer.domain.notices import Notice
from dialer.domain.people import membership
from dialer.extensions import db, redis_hub
from dialer.models import utcnow
from dialer.processes.housekeeping import Housekeeper
from dialer.processes.pacing import Pacer
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


def reconcile(
    app: Flask, port: TelephonyPort, now: datetime, last_seen: datetime | None = None
) -> list[Notice]:
    """Close the calls we think are up that the PBX no longer has; re-apply queue membership.

    With ``last_seen`` (when the link went down) they end then, estimated. Calls
    placed within ``calls.ORIGINATE_GRACE_S`` are left for :meth:`PortEventHandler`'s
    second look.
    """
    channels = port.live_channels()
    live_ids = {channel.call_uid for channel in channels if channel.call_uid}
    live_linkedids = {channel.linkedid for channel in channels}
    grace_s = calls.ORIGINATE_GRACE_S
    notices = live.in_transaction(
        app,
        lambda: lost_calls.reconcile_calls(
            db.session, live_ids, now, grace_s=grace_s, last_seen=last_seen
        ),
    )
    notices += live.in_transaction(
        app, lambda: inbound.reconcile_queue_calls(db.session, live_linkedids, now)
    )
    # A call we ended while blind (the link was down past its grace) may still be up at
    # the PBX: hang it up, or its lead, already due again, could be dialled a second time.
    with app.app_context():
        try:
            over = lost_calls.ended_call_uids(db.session, live_ids)
        finally:
            db.session.remove()
    for call_uid in sorted(over):
        log.warning("hanging up call %s: it was closed while the PBX was out of sight", call_uid)
        port.hangup(call_uid)
    try:
        reapply_queue_membership(app, port)
    except Exception:  # the calls are reconciled; membership is mended by the next sync
        log.exception("could not re-apply queue membership")
    return notices


def reapply_queue_membership(app: Flask, port: TelephonyPort) -> int:
    """Put every signed-in agent back in their PBX queues (a restarted PBX forgot them)."""
    with app.app_context():
        try:
            plans = membership.plans_for_all(db.session)
        finally:
            db.session.remove()
    for plan in plans:
        membership.apply_plan(port, plan)
    return len(plans)


class PortEventHandler:
    """What the listener calls for each port event; also runs this process's housekeeper."""

    def __init__(self, app: Flask, port: TelephonyPort) -> None:
        self.app = app
        self.port = port
        self._housekeeper = Housekeeper(app, "ami-listener").start()
        self._second_look: threading.Timer | None = None
        self._pacer = Pacer(app, "ami-listener").start()

    def __call__(self, event: PortEvent) -> None:
        if isinstance(event, ConnectionHealth):
            self._on_health(event)
            return
        notices = live.in_transaction(self.app, lambda: apply_port_event(db.session, event))
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
                found = plan_recording(db.session, call_uid=event.call_uid)
            else:
                found = plan_recording(db.session, call_ref=event.call_ref)
            planned.extend([found[0]] if found else [])
            return []

        try:
            live.in_transaction(self.app, work)
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
        last_seen = None
        try:
            if event.health == Health.DOWN:
                # Every process learns it (the sweep ends lost calls after the grace period)...
                since = pbx_status.mark_down(redis_hub.client, event.at)
                # ...and every agent sees it at once.
                self._tell_screens(str(Health.DOWN), since)
            elif event.health in (Health.UP, Health.RECONNECTED):
                last_seen = pbx_status.mark_up(redis_hub.client)
                if last_seen is not None:
                    self._tell_screens(str(Health.UP), None)
        except Exception:  # Redis or the database away: the port's own thread must go on
            log.exception("could not record the PBX link going %s", event.health)
        if event.health in (Health.UP, Health.RECONNECTED):
            self._reconcile(last_seen)
            self._look_again_later(last_seen)

    def _reconcile(self, last_seen: datetime | None) -> None:
        try:
            reconcile(self.app, self.port, utcnow(), last_seen)
        except TelephonyError:
            log.exception("could not reconcile calls with the PBX")

    def _look_again_later(self, last_seen: datetime | None) -> None:
        """Reconcile again once the calls too fresh to judge at the reconnect are not.

        A call placed just before the listener came back may have had no channel yet;
        if it ended while the listener was blind no event will ever end it, and its
        agent would wait for the stale-call sweep.
        """
        if self._second_look is not None:
            self._second_look.cancel()
        self._second_look = threading.Timer(
            calls.ORIGINATE_GRACE_S + 1, self._reconcile, args=(last_seen,)
        )
        self._second_look.daemon = True
        self._second_look.start()

    def _tell_screens(self, health: str, since: datetime | None) -> None:
        live.in_transaction(self.app, lambda: pbx_link.link_notices(db.session, health, since))

    def stop(self) -> None:
        """Stop the pacer, the housekeeper and any second look (the listener stops the port)."""
        if self._second_look is not None:
            self._second_look.cancel()
        self._pacer.stop()
        self._housekeeper.stop()


def handler_factory(app: Flask) -> Callable[[TelephonyPort], PortEventHandler]:
    """What ``make_listener_command`` needs: given the listener's port, the event handler."""
    return lambda port: PortEventHandler(app, port)
