"""Predictive dialing over the PBX simulator: abandon rate against the cap, agent occupancy.

Run as ``python -m bench.pacing_bench`` (or ``make bench``). The real parts run
as in production: the PBX simulator over TCP (sped up ``--speed`` times), the
AMI listener's code applying its events to PostgreSQL, the pacer dialling
customer-first calls into the queue, Redis for the leases and the trunk's
calls-per-second. 20 agents are signed in on auto-answering phones; each mode
gets 20,000 leads, of which 30% answer and talk 30 s (last digit 7), 50% ring
out (2) and 20% are busy (1), spread over time zones some of which are outside
the calling hours now.

Two modes in the same run, each for the same stretch of simulated time:
``predictive`` (the adaptive level under a 3% cap) and ``one line per agent``
(the same loop with a cap of 0, which pins it to one line per ready agent).
For each: calls, answered, abandoned and the abandon rate against the cap;
agent occupancy (talk time over signed-in time); calls placed outside the
lead's calling hours and leads in two calls at once (both must be 0). At the
end of the predictive stretch every agent pauses at once: the calls placed
after one tick had passed are counted (must be 0).

Needs PostgreSQL and Redis on 127.0.0.1 (TEST_DATABASE_URL / TEST_REDIS_URL
override); prints and skips without.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from datetime import time as clock
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select, update  # noqa: E402

from tests.backends import server_backend  # noqa: E402
from tests.suites import server_backend_available  # noqa: E402

AGENTS = 20
LEADS = 20_000
CAP_PCT = 3.0
ZONES = (
    "Asia/Ho_Chi_Minh",
    "Asia/Tokyo",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "Australia/Sydney",
)
# Last digit -> share of the leads: 7 answers at once and talks 30 s, 2 rings out, 1 is busy.
OUTCOMES = (("7", 3), ("2", 5), ("1", 2))


def _lead_rows(campaign_id: int, prefix: str) -> list[dict]:
    digits = [digit for digit, share in OUTCOMES for _ in range(share)]
    return [
        {
            "campaign_id": campaign_id,
            "phone": f"+84{prefix}{n:06d}{digits[n % len(digits)]}",
            "phone_raw": f"0{prefix}{n:06d}{digits[n % len(digits)]}",
            "first_name": "Khách",
            "last_name": str(n),
            "timezone": ZONES[n % len(ZONES)],
            "status": "new",
            "attempts": 0,
        }
        for n in range(LEADS)
    ]


def build(app, now: datetime) -> tuple[list[int], dict[str, int]]:
    """20 agents signed in (in queue support) and two campaigns with 20,000 leads each."""
    from flask_migrate import upgrade

    from dialer.domain.people import accounts
    from dialer.extensions import db
    from dialer.models import (
        Campaign,
        CampaignStatus,
        DialMode,
        Extension,
        Lead,
        Queue,
        QueueMember,
        Role,
        User,
    )

    with app.app_context():
        upgrade()
        queue = Queue(name="support")
        db.session.add(queue)
        users = []
        for n in range(1, AGENTS + 1):
            number = f"{1000 + n}"
            extension = Extension(number=number)
            user = User(
                username=f"agent{n}",
                display_name=f"Agent {n}",
                role=Role.AGENT,
                password_hash="-",
                default_extension=extension,
            )
            db.session.add_all([extension, user, QueueMember(queue=queue, user=user)])
            users.append(user)
        db.session.flush()
        for user in users:
            accounts.start_agent_session(db.session, user, user.default_extension.number, now=now)
        campaigns = {}
        for name, cap, prefix in (("predictive", CAP_PCT, "91"), ("one line per agent", 0.0, "92")):
            campaign = Campaign(
                name=name,
                status=CampaignStatus.PAUSED,
                dial_mode=DialMode.PREDICTIVE,
                timezone="Asia/Ho_Chi_Minh",
                call_days="1234567",
                call_start=clock(8, 0),
                call_end=clock(20, 0),
                max_attempts=3,
                caller_id="+842873001234",
                abandon_cap_pct=cap,
                record_calls=False,  # no recording jobs: the figures are the dialer's
            )
            db.session.add(campaign)
            db.session.flush()
            db.session.execute(insert(Lead), _lead_rows(campaign.id, prefix))
            campaigns[name] = campaign.id
        db.session.commit()
        return [user.id for user in users], campaigns


def run_mode(
    app,
    name: str,
    campaign_id: int,
    user_ids: list[int],
    seconds: float,
    verbose: bool = False,
):
    """Run one campaign for ``seconds`` (real), then pause every agent; its figures."""
    from dialer.domain.people import agents
    from dialer.extensions import db
    from dialer.models import Campaign, CampaignAgent, CampaignStatus, utcnow
    from dialer.processes.pacing import Pacer

    with app.app_context():
        for user_id in user_ids:
            agents.unpause(db.session, user_id, utcnow())
            db.session.add(CampaignAgent(campaign_id=campaign_id, user_id=user_id))
        db.session.execute(
            update(Campaign).where(Campaign.id == campaign_id).values(status=CampaignStatus.RUNNING)
        )
        db.session.commit()
    pacer = Pacer(app, f"bench-{name}").start()
    started = utcnow()
    _watch(app, campaign_id, seconds, verbose)
    _pause_everyone(app, user_ids)
    paused_at = utcnow()
    time.sleep(5 * pacer.interval)
    pacer.stop()
    with app.app_context():
        db.session.execute(
            update(Campaign).where(Campaign.id == campaign_id).values(status=CampaignStatus.PAUSED)
        )
        db.session.execute(
            CampaignAgent.__table__.delete().where(CampaignAgent.campaign_id == campaign_id)
        )
        db.session.commit()
    _drain(app, campaign_id)
    return figures(app, campaign_id, started, paused_at, pacer.interval)


def _watch(app, campaign_id: int, seconds: float, verbose: bool) -> None:
    """Let the mode run; with ``verbose``, print the pacer's last decision every second."""
    from dialer import pacing_state
    from dialer.extensions import redis_hub

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
        if verbose:
            with app.app_context():
                state = pacing_state.load_state(redis_hub.client, campaign_id) or {}
            print({k: state.get(k) for k in ("level", "lines", "reason")}, flush=True)


def _pause_everyone(app, user_ids: list[int], timeout: float = 60.0) -> None:
    """Every agent presses Pause now: a Ready one at once, one on a call as the call ends."""
    from dialer.domain.people import agents
    from dialer.extensions import db
    from dialer.models import utcnow

    reason = _pause_reason(app)
    waiting = set(user_ids)
    deadline = time.monotonic() + timeout
    while waiting and time.monotonic() < deadline:
        with app.app_context():
            for user_id in sorted(waiting):
                try:
                    agents.pause(db.session, user_id, reason, utcnow())
                    db.session.commit()
                    waiting.discard(user_id)
                except agents.AgentError:  # still on a call
                    db.session.rollback()
            db.session.remove()
        time.sleep(0.005)


def _pause_reason(app) -> int:
    from dialer.extensions import db
    from dialer.models import PauseReason

    with app.app_context():
        reason = db.session.scalar(select(PauseReason).where(PauseReason.code == "bench"))
        if reason is None:
            reason = PauseReason(code="bench", name="Bench")
            db.session.add(reason)
            db.session.commit()
        return reason.id


def _drain(app, campaign_id: int, timeout: float = 120.0) -> None:
    from dialer.extensions import db
    from dialer.models import Call, CallState

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context():
            up = db.session.scalar(
                select(Call.id)
                .where(Call.campaign_id == campaign_id, Call.state != CallState.ENDED)
                .limit(1)
            )
            db.session.remove()
        if up is None:
            return
        time.sleep(0.5)


def figures(app, campaign_id: int, started: datetime, paused_at: datetime, tick: float) -> dict:
    """The mode's calls, rates, occupancy and compliance, from the database."""
    from dialer.domain.dialing.compliance import CallingHours, check_hours
    from dialer.extensions import db
    from dialer.models import Call, CallStatus, Campaign, Lead

    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        hours = CallingHours.of(campaign)
        rows = db.session.execute(
            select(Call, Lead.timezone)
            .join(Lead, Lead.id == Call.lead_id)
            .where(Call.campaign_id == campaign_id)
        ).all()
        calls = [call for call, _zone in rows]
        answered = [c for c in calls if c.answered_at is not None]
        abandoned = [c for c in calls if c.status == CallStatus.ABANDON]
        talk = sum(
            (c.ended_at - c.answered_at).total_seconds()
            for c in answered
            if c.agent_id is not None and c.ended_at is not None
        )
        signed_in = AGENTS * (paused_at - started).total_seconds()
        outside = sum(1 for call, zone in rows if check_hours(hours, zone, call.created_at))
        by_lead: dict[int, list] = {}
        for call in calls:
            by_lead.setdefault(call.lead_id, []).append(call)
        overlapping = sum(1 for lead_calls in by_lead.values() if _overlap(lead_calls))
        after_pause = sum(1 for c in calls if (c.created_at - paused_at).total_seconds() > tick)
        zones_dialled = sorted({zone for _call, zone in rows})
        db.session.remove()
    return {
        "calls": len(calls),
        "answered": len(answered),
        "abandoned": len(abandoned),
        "abandon_pct": 100.0 * len(abandoned) / len(answered) if answered else 0.0,
        "occupancy_pct": 100.0 * talk / signed_in if signed_in else 0.0,
        "outside_hours": outside,
        "twice_at_once": overlapping,
        "after_pause": after_pause,
        "zones": zones_dialled,
    }


def _overlap(calls: list) -> bool:
    spans = sorted((c.created_at, c.ended_at or datetime.max.replace(tzinfo=UTC)) for c in calls)
    return any(later[0] < earlier[1] for earlier, later in zip(spans, spans[1:], strict=False))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", type=float, default=2.0, help="simulated seconds per second")
    parser.add_argument("--minutes", type=float, default=5.0, help="simulated minutes per mode")
    parser.add_argument("--verbose", action="store_true", help="print each second's decision")
    args = parser.parse_args(argv or [])
    if not server_backend_available():
        print("PostgreSQL/Redis not found on 127.0.0.1: pacing bench skipped.")
        return 0
    with server_backend() as backend, tempfile.TemporaryDirectory() as instance:
        return _run(
            backend.database_url,
            backend.redis_url,
            instance,
            args.speed,
            args.minutes,
            args.verbose,
        )


def _run(
    url: str, redis_url: str, instance: str, speed: float, minutes: float, verbose: bool
) -> int:
    from dialer import create_app
    from dialer.domain.dialing.compliance import CallingHours, check_hours
    from dialer.models import utcnow
    from dialer.telephony.provider import close_port
    from dialer.telephony.simulator.pbx import PbxSimulator
    from tests.support.pbx import ListenerThread

    os.environ.update(
        DATABASE_URL=url, REDIS_URL=redis_url, DIALER_INSTANCE_PATH=instance, AMI_SECRET="bench"
    )
    app = create_app()
    simulator = PbxSimulator(
        "127.0.0.1",
        port=0,
        username="dialer",
        secret="bench",
        speed=1 / speed,
        static_queue_members=False,
    ).start()
    tick = 1.0 / speed  # one simulated second
    app.config.update(
        AMI_HOST="127.0.0.1",
        AMI_PORT=simulator.port,
        AMI_ORIGINATE_TIMEOUT=20,  # simulated seconds a customer's phone may ring
        DIALER_PACING=True,
        DIALER_PACING_TICK_S=tick,
        DIALER_TRUNK_CPS=10 * speed,  # 10 a simulated second
        DIALER_HEARTBEAT_TIMEOUT_S=24 * 3600,
    )
    now = utcnow()
    every_day = CallingHours(frozenset(range(1, 8)), clock(8), clock(20))
    open_zones = [zone for zone in ZONES if check_hours(every_day, zone, now) is None]
    started = time.perf_counter()
    user_ids, campaigns = build(app, now)
    print(
        f"data: {AGENTS} agents, {LEADS:,} leads per mode over {len(ZONES)} zones "
        f"({len(open_zones)} inside 08:00-20:00 now) ({time.perf_counter() - started:.1f} s)"
    )
    print(f"simulator at {speed:g}x, {minutes:g} simulated minutes per mode, cap {CAP_PCT:g}%")
    app.config["DIALER_PACING"] = False  # the listener applies events; each mode runs its pacer
    listener = ListenerThread(app).start()
    try:
        time.sleep(2)  # the listener puts the agents' phones in the queue on connecting
        results = {}
        for name, campaign_id in campaigns.items():
            app.config["DIALER_PACING"] = True
            results[name] = run_mode(
                app, name, campaign_id, user_ids, minutes * 60 / speed, verbose
            )
    finally:
        listener.stop()
        close_port()
        simulator.stop()
    ok = True
    for name, found in results.items():
        print(
            f"{name:<20}: {found['calls']:6,} calls {found['answered']:5,} answered"
            f"  abandoned {found['abandoned']:4} = {found['abandon_pct']:5.2f}% (cap {CAP_PCT:g}%)"
            f"  occupancy {found['occupancy_pct']:5.1f}%"
        )
        print(
            f"{'':<20}  outside calling hours {found['outside_hours']}, twice at once "
            f"{found['twice_at_once']}, placed later than one tick after all agents paused "
            f"{found['after_pause']}; zones dialled {', '.join(found['zones'])}"
        )
        ok = ok and not (found["outside_hours"] or found["twice_at_once"] or found["after_pause"])
    ok = ok and results["predictive"]["abandon_pct"] <= CAP_PCT
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
