"""One dialer per campaign, surviving its death: two real ``flask pacer`` processes, the one
dialling is SIGKILLed mid-campaign, the other takes over, and no lead is ever dialled twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from dialer.extensions import db, redis_hub
from dialer.models import Call, DialMode, utcnow
from dialer.processes.pacing import lease_key
from tests.factories.campaigns import make_campaign
from tests.factories.leads import make_lead
from tests.factories.people import make_agent
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parent.parent.parent
LEADS = 30


@pytest.fixture
def events_only_listener(app: Flask, pbx: object) -> Iterator[object]:
    """The AMI listener applying the PBX's events, with no pacer of its own."""
    from tests.support.pbx import ListenerThread

    app.config.update(DIALER_PACING=False, DIALER_HEARTBEAT_TIMEOUT_S=3600)
    running = ListenerThread(app).start()
    yield running
    running.stop()


def _start_pacer(app: Flask, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "AMI_PORT": str(app.config["AMI_PORT"]),
        "AMI_SECRET": app.config["AMI_SECRET"],
        "DIALER_PACING_TICK_S": "0.2",
        "DIALER_TRUNK_CPS": "4",
        "PYTHONUNBUFFERED": "1",
    }
    argv = [sys.executable, "-m", "flask", "--app", "app", "pacer"]
    with log.open("wb") as out:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and code
            argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _campaign(app: Flask) -> int:
    """Five Ready agents and leads that are busy (last digit 1), each to be tried once."""
    with app.app_context():
        users = [
            make_agent(db.session, f"agent{i}", f"100{i}", now=utcnow())[0] for i in range(1, 6)
        ]
        campaign = make_campaign(
            db.session,
            agents=users,
            dial_mode=DialMode.PREDICTIVE,
            timezone="UTC",
            call_start=time(0, 0),
            call_end=time(23, 59, 59),
            max_attempts=1,
        )
        for n in range(LEADS):
            make_lead(db.session, campaign, f"+849123{n:04d}1")
        db.session.commit()
        return campaign.id


def _holder_pid(app: Flask, campaign_id: int) -> int | None:
    with app.app_context():
        holder = redis_hub.client.get(lease_key(campaign_id))
    return int(holder.decode().split(":")[1]) if holder else None


def _calls_placed(app: Flask) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count(Call.id)))
        db.session.remove()
        return int(count or 0)


@pytest.mark.timeout(150)
def test_the_other_pacer_takes_over_when_the_dialling_one_is_killed_and_nobody_is_dialled_twice(
    app: Flask, events_only_listener, tmp_path: Path
) -> None:
    campaign_id = _campaign(app)
    pacers = [_start_pacer(app, tmp_path / f"pacer{n}.log") for n in (1, 2)]
    try:
        holder = wait_until(lambda: _holder_pid(app, campaign_id), timeout=60, message="a holder")
        assert holder in {p.pid for p in pacers}
        wait_until(lambda: _calls_placed(app) >= 8, timeout=60, message="some calls dialled")
        os.killpg(holder, signal.SIGKILL)  # no clean exit: the lease is not given back
        survivor = next(p.pid for p in pacers if p.pid != holder)
        wait_until(
            lambda: _holder_pid(app, campaign_id) == survivor, timeout=30, message="a takeover"
        )
        wait_until(lambda: _calls_placed(app) >= LEADS, timeout=90, message="every lead dialled")
    finally:
        for pacer in pacers:
            if pacer.poll() is None:
                os.killpg(pacer.pid, signal.SIGTERM)
        for pacer in pacers:
            pacer.wait(timeout=15)
    with app.app_context():
        per_lead = db.session.execute(
            select(Call.lead_id, func.count(Call.id)).group_by(Call.lead_id)
        ).all()
    assert len(per_lead) == LEADS
    assert {count for _lead, count in per_lead} == {1}  # one call per lead, across the takeover
