"""The periodic sweep survives the death of the process running it: real workers, one killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask

from dialer.extensions import db, redis_hub
from dialer.models import AgentSession, AgentState, Call, CallState, Direction, utcnow
from dialer.processes.housekeeping import LEASE_KEY, sweep
from tests.factories.people import make_agent
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parent.parent.parent


def _start_worker(log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DIALER_HEARTBEAT_TIMEOUT_S": "2", "PYTHONUNBUFFERED": "1"}
    argv = [sys.executable, "-m", "flask", "--app", "app", "worker", "--queue", "default"]
    with log.open("wb") as out:
        # Its own process group: the kill below reaches the worker and any work-horse.
        return subprocess.Popen(  # noqa: S603 - our own interpreter and code
            argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _silent_agent(app: Flask, username: str, extension: str) -> int:
    """An agent signed in whose screen last spoke long ago."""
    with app.app_context():
        _user, agent_session = make_agent(db.session, username, extension)
        db.session.commit()
        return agent_session.id


def _paused(app: Flask, agent_session_id: int) -> bool:
    with app.app_context():
        state = db.session.get(AgentSession, agent_session_id).state
        db.session.remove()
        return state == AgentState.PAUSED


def _lease_holder_pid(app: Flask) -> int | None:
    with app.app_context():
        holder = redis_hub.client.get(LEASE_KEY)
    return int(holder.decode().split(":")[1]) if holder else None


@pytest.mark.timeout(120)
def test_another_worker_takes_over_the_sweep_when_the_one_sweeping_is_killed(
    app: Flask, tmp_path: Path
) -> None:
    first = _silent_agent(app, "quiet", "1001")
    workers = [_start_worker(tmp_path / f"worker{n}.log") for n in (1, 2)]
    try:
        wait_until(lambda: _paused(app, first), timeout=60, message="the first sweep")
        holder = wait_until(lambda: _lease_holder_pid(app), message="a lease holder")
        assert holder in {w.pid for w in workers}
        os.killpg(holder, signal.SIGKILL)  # no clean exit: the lease is not given back

        second = _silent_agent(app, "gone", "1002")
        wait_until(lambda: _paused(app, second), timeout=30, message="a sweep after the kill")
        survivor = next(w.pid for w in workers if w.pid != holder)
        assert _lease_holder_pid(app) == survivor
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=15)


def test_a_worker_stopped_cleanly_hands_the_lease_on_at_once(app: Flask, tmp_path: Path) -> None:
    worker = _start_worker(tmp_path / "worker.log")
    try:
        wait_until(lambda: _lease_holder_pid(app) == worker.pid, timeout=60, message="the lease")
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=15)
    assert _lease_holder_pid(app) is None


def test_a_call_that_never_heard_from_the_pbx_is_closed_after_the_configured_time(
    app: Flask,
) -> None:
    app.config["DIALER_STALE_CALL_S"] = 20
    placed = utcnow()
    with app.app_context():
        user, agent_session = make_agent(db.session, "waiting", "1001", now=placed)
        call = Call(
            call_uid="stale-call",
            direction=Direction.OUTBOUND,
            agent_id=user.id,
            customer_number="+84912345670",
            state=CallState.ORIGINATING,  # sent, and not a word back since
            created_at=placed,
        )
        db.session.add(call)
        db.session.flush()
        agent_session.current_call_id = call.id
        agent_session.state = AgentState.RINGING
        db.session.commit()
        call_id, session_id = call.id, agent_session.id

    def state_at(seconds: int) -> tuple[str, str]:
        sweep(app, placed + timedelta(seconds=seconds))
        with app.app_context():
            found = db.session.get_one(Call, call_id)
            agent = db.session.get_one(AgentSession, session_id)
            return found.state, agent.state

    assert state_at(19) == (CallState.ORIGINATING, AgentState.RINGING)
    assert state_at(21) == (CallState.ENDED, AgentState.READY)  # was fixed at 90 s
