"""The periodic work: silent screens paused, lost calls closed, leads of agents who left given back,
old export files deleted.

Calls still up once the PBX link has been down for ``DIALER_PBX_DOWN_GRACE_S``
are ended too (``domain.dialing.pbx_link``).

Every long-lived process runs a :class:`Housekeeper` thread: each RQ worker
(``flask worker``) and the AMI listener. A short Redis lease picks one of them:
each tick, the holder renews it and sweeps; the others find it taken and wait.
When the holder dies its lease runs out after a few ticks and the next process
to ask takes over, so the sweep survives the death of any one process, and two
processes never sweep at once. See docs/architecture.md.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from flask import Flask
from redis import Redis

from dialer import live, pbx_status
from dialer.domain.dialing import lost_calls, pbx_link
from dialer.domain.notices import Notice
from dialer.domain.people import absence, agents, tokens
from dialer.extensions import db, redis_hub
from dialer.jobs import exports as export_jobs
from dialer.jobs import membership as membership_jobs
from dialer.models import utcnow
from dialer.processes import leases
from dialer.processes.leases import holder_name
from dialer.telephony.port import TelephonyError
from dialer.telephony.provider import port_for

log = logging.getLogger(__name__)

LEASE_KEY = "dialer:housekeeping:lease"
# The lease outlives this many missed ticks: a busy holder keeps it, a dead one loses it soon.
LEASE_TICKS = 3


def take_turn(client: Redis, holder: str, lease_s: float) -> bool:
    """True when ``holder`` holds the housekeeping lease for the next ``lease_s`` seconds."""
    return leases.take_turn(client, LEASE_KEY, holder, lease_s)


def give_up(client: Redis, holder: str) -> None:
    """Let the housekeeping lease go now (a process stopping cleanly), if ``holder`` has it."""
    leases.give_up(client, LEASE_KEY, holder)


def sweep(app: Flask, now: datetime) -> list[Notice]:
    """The periodic checks, in one committed transaction; the screens are told after."""
    timeout = app.config["DIALER_HEARTBEAT_TIMEOUT_S"]
    release_s = app.config["DIALER_HELD_LEAD_RELEASE_S"]
    grace_s = app.config["DIALER_PBX_DOWN_GRACE_S"]
    stale_s = app.config["DIALER_STALE_CALL_S"]
    pbx_down_since = pbx_status.down_since(redis_hub.client)
    still_up = _hang_up_stale_calls_at_the_pbx(app, now, stale_s) if pbx_down_since is None else ()

    def work() -> list[Notice]:
        notices = agents.pause_silent_agents(db.session, now, timeout)
        notices += absence.release_vanished_agents_leads(db.session, now, release_s)
        if pbx_down_since is not None:
            notices += pbx_link.end_calls_lost_with_pbx(
                db.session, pbx_down_since, now, grace_s=grace_s
            )
        notices += lost_calls.close_stale_calls(
            db.session, now, stale_after_s=stale_s, still_up=still_up
        )
        absence.release_orphan_claims(db.session)
        tokens.forget_expired(db.session, now)
        return notices

    notices = live.in_transaction(app, work)
    with app.app_context():
        # Agents paused as "disconnected" stop getting queue calls too.
        membership_jobs.enqueue_syncs(membership_jobs.extensions_in(notices))
    export_jobs.purge_expired(
        redis_hub.client,
        export_jobs.export_folder(app.instance_path),
        now,
        app.config["DIALER_EXPORT_RETENTION_H"],
    )
    return notices


def _hang_up_stale_calls_at_the_pbx(app: Flask, now: datetime, stale_s: int) -> set[int]:
    """Stale calls the PBX has after all (their events went unseen), hung up there first.

    Closing such a call would give its lead back while the customer may still be on the
    line, and the campaign could dial them again. Hung up, the PBX reports how each ended;
    the ids of those calls, left open for that report (or for the next sweep).
    """
    with app.app_context():
        try:
            sent = lost_calls.stale_sent_calls(db.session, now, stale_after_s=stale_s)
        finally:
            db.session.remove()
    if not sent:
        return set()
    still_up: set[int] = set()
    try:
        port = port_for(app.config)
        live_uids = {channel.call_uid for channel in port.live_channels()} & sent.keys()
        for call_uid in sorted(live_uids):
            if port.hangup(call_uid):
                log.warning("call %s was still up at the PBX unseen: hung up", sent[call_uid])
                still_up.add(sent[call_uid])
    except TelephonyError as error:
        # The PBX cannot be asked from here: the calls are closed as before, as seen.
        log.warning("stale calls not checked with the PBX: %s", error)
    return still_up


def sweep_interval(app: Flask) -> float:
    """Seconds between sweeps: a fraction of the heartbeat timeout, at most five."""
    return max(0.2, min(5.0, app.config["DIALER_HEARTBEAT_TIMEOUT_S"] / 6))


class Housekeeper:
    """A daemon thread that sweeps every interval while this process holds the lease."""

    def __init__(self, app: Flask, role: str) -> None:
        self.app = app
        self.holder = holder_name(role)
        self.interval = sweep_interval(app)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="housekeeper", daemon=True)

    def start(self) -> Housekeeper:
        """Start ticking."""
        self._thread.start()
        return self

    def tick(self) -> bool:
        """One turn: sweep if the lease is ours; True when this process swept."""
        if not take_turn(redis_hub.client, self.holder, self.interval * LEASE_TICKS):
            return False
        sweep(self.app, utcnow())
        return True

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.tick()
            except Exception:  # one failed sweep (Redis or database away) must not stop the next
                log.exception("housekeeping sweep failed")

    def stop(self) -> None:
        """Stop ticking and hand the lease on at once."""
        self._stop.set()
        self._thread.join(timeout=5)
        try:
            give_up(redis_hub.client, self.holder)
        except Exception:  # Redis gone: the lease runs out by itself
            log.warning("could not give up the housekeeping lease", exc_info=True)
