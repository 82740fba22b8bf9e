"""The predictive dialer: one pacing loop per running predictive campaign, one process at a time.

Every long-lived process (each ``flask worker`` and the AMI listener, like the
housekeeper; or ``flask pacer`` on its own) runs a :class:`Pacer` thread. Each
tick it lists the running predictive campaigns and, for each, asks Redis for
that campaign's lease (``dialer:pacing:lease:<id>``): the holder renews it and
dials, the others leave the campaign alone. A holder that dies loses the lease
within ``LEASE_TICKS`` ticks and the next process to ask takes over.

No call is dialled twice across a takeover: a call is sent only by moving its
row from QUEUED to ORIGINATING under a row lock (``domain.pacing.placing``), and
the holder checks it still holds the lease right before each Originate.
Originates leave at most ``DIALER_TRUNK_CPS`` a second across all processes: a
slot for each is booked in Redis.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict

from flask import Flask
from redis import Redis

from dialer import live, pacing_state
from dialer.domain.dialing.outbound import fail_originate
from dialer.domain.notices import Notice
from dialer.domain.pacing import decision, figures, placing
from dialer.extensions import db, redis_hub
from dialer.models import Campaign, utcnow
from dialer.processes import leases
from dialer.processes.leases import holder_name
from dialer.telephony.port import TelephonyError
from dialer.telephony.provider import port_for

log = logging.getLogger(__name__)

LEASE_KEY = "dialer:pacing:lease:{campaign_id}"
TRUNK_SLOT_KEY = "dialer:pacing:trunk-slot"
LEASE_TICKS = 3

# Book the next free send slot on the trunk: max(now, the last slot + spacing), in ms.
_BOOK_SLOT = """
local now = tonumber(ARGV[1])
local spacing = tonumber(ARGV[2])
local last = tonumber(redis.call('get', KEYS[1]) or '0')
local slot = math.max(now, last + spacing)
redis.call('set', KEYS[1], slot, 'PX', math.max(1000, slot - now + 1000))
return slot
"""


def lease_key(campaign_id: int) -> str:
    """The Redis key of one campaign's dialer lease."""
    return LEASE_KEY.format(campaign_id=campaign_id)


def take_turn(client: Redis, campaign_id: int, holder: str, lease_s: float) -> bool:
    """True when ``holder`` holds the campaign's lease for the next ``lease_s`` seconds."""
    return leases.take_turn(client, lease_key(campaign_id), holder, lease_s)


def holds(client: Redis, campaign_id: int, holder: str) -> bool:
    """True while ``holder`` still holds the campaign's lease (checked before each Originate)."""
    return leases.holds(client, lease_key(campaign_id), holder)


def give_up(client: Redis, campaign_id: int, holder: str) -> None:
    """Let the campaign's lease go now, if ``holder`` has it."""
    leases.give_up(client, lease_key(campaign_id), holder)


def wait_for_trunk_slot(client: Redis, cps: float) -> None:
    """Sleep until this process may send its next Originate (at most ``cps`` a second, overall)."""
    now_ms = int(time.time() * 1000)
    slot = int(client.eval(_BOOK_SLOT, 1, TRUNK_SLOT_KEY, now_ms, int(1000 / cps)))
    delay = (slot - now_ms) / 1000
    if delay > 0:
        time.sleep(delay)


class Pacer:
    """A daemon thread that paces every predictive campaign whose lease this process holds."""

    def __init__(self, app: Flask, role: str) -> None:
        self.app = app
        self.holder = holder_name(role)
        self.interval = float(app.config["DIALER_PACING_TICK_S"])
        self.cps = float(app.config["DIALER_TRUNK_CPS"])
        self._held: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pacer", daemon=True)

    def start(self) -> Pacer:
        """Start ticking (unless DIALER_PACING is off for this kind of process)."""
        if self.app.config["DIALER_PACING"]:
            self._thread.start()
        return self

    def tick(self) -> list[int]:
        """One turn over the predictive campaigns; the ids of the calls sent."""
        with self.app.app_context():
            try:
                campaign_ids = placing.predictive_campaign_ids(db.session)
            finally:
                db.session.remove()
        sent: list[int] = []
        for campaign_id in campaign_ids:
            if take_turn(redis_hub.client, campaign_id, self.holder, self._lease_s()):
                self._held.add(campaign_id)
                sent += self.pace(campaign_id)
            else:
                self._held.discard(campaign_id)
        return sent

    def pace(self, campaign_id: int) -> list[int]:
        """Decide this tick's lines for one campaign, write them, and send them spaced out."""
        placed: list[int] = []
        level = pacing_state.last_level(redis_hub.client, campaign_id)

        def work() -> list[Notice]:
            now = utcnow()
            campaign = db.session.get(Campaign, campaign_id)
            if campaign is None:
                return []
            measured = figures.measure(db.session, campaign, now)
            chosen = decision.decide(inputs_of(measured, campaign, level))
            placed.extend(placing.queued_call_ids(db.session, campaign_id))
            placed.extend(placing.place_calls(db.session, campaign, chosen.lines, now))
            _save_state(campaign_id, chosen, measured, now.isoformat())
            return []

        live.in_transaction(self.app, work)
        return [call_id for call_id in placed if self._send(campaign_id, call_id)]

    def _send(self, campaign_id: int, call_id: int) -> bool:
        wait_for_trunk_slot(redis_hub.client, self.cps)
        if not holds(redis_hub.client, campaign_id, self.holder):
            return False  # lost the campaign meanwhile: its new holder sends what is queued
        sent: list = []

        def mark_sent() -> list[Notice]:
            request, notices = placing.prepare_originate(
                db.session,
                call_id,
                utcnow(),
                ring_timeout_s=int(self.app.config["AMI_ORIGINATE_TIMEOUT"]),
            )
            sent.append(request)
            return notices

        live.in_transaction(self.app, mark_sent)
        request = sent[0] if sent else None
        if request is None:
            return False
        try:
            port_for(self.app.config).originate_customer_first(request)
        except TelephonyError as error:
            detail = str(error)
            live.in_transaction(
                self.app, lambda: fail_originate(db.session, call_id, utcnow(), detail)
            )
            return False
        return True

    def _lease_s(self) -> float:
        return max(self.interval * LEASE_TICKS, 1.0)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.tick()
            except Exception:  # one failed tick (Redis or database away) must not stop the next
                log.exception("pacing tick failed")

    def stop(self) -> None:
        """Stop ticking and hand every campaign's lease on at once."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        for campaign_id in self._held:
            try:
                give_up(redis_hub.client, campaign_id, self.holder)
            except Exception:  # Redis gone: the lease runs out by itself
                log.warning("could not give up a pacing lease", exc_info=True)


def inputs_of(
    measured: figures.CampaignFigures, campaign: Campaign, level: float
) -> decision.PacingInputs:
    """The pacing rule's inputs from a campaign's figures and the last level."""
    return decision.PacingInputs(
        ready_agents=measured.ready_agents,
        soon_free_agents=measured.soon_free_agents,
        lines_in_flight=measured.lines_in_flight,
        customers_waiting=measured.customers_waiting,
        answer_rate=measured.answer_rate,
        sample_calls=measured.sample_calls,
        abandon_today_pct=measured.today.pct,
        abandon_30d_pct=measured.rolling.pct,
        cap_pct=float(campaign.abandon_cap_pct),
        level=level,
    )


def _save_state(
    campaign_id: int,
    chosen: decision.PacingDecision,
    measured: figures.CampaignFigures,
    at: str,
) -> None:
    state = {
        "at": at,
        "level": chosen.level,
        "lines": chosen.lines,
        "reason": chosen.reason,
        "figures": asdict(measured),
    }
    pacing_state.save_state(redis_hub.client, campaign_id, state)
