"""Over a hundred open desktops on one web process: each live stream is a greenlet, not a thread.

The web app runs as production runs it (gunicorn, one gevent worker) in its own
OS process; 120 agents each hold ``GET /api/events`` open on a socket of
their own, as their desktops do. While they are open the process keeps a handful
of threads, Get Lead still answers, a notice still reaches the one screen it is
for, and every stream's keep-alive still marks its agent's screen alive. A
desktop that goes ends its stream: no more heartbeats for a screen that is gone.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask

from dialer import live
from dialer.domain.people import accounts, tokens
from dialer.extensions import db, redis_hub
from dialer.models import AgentSession, User, utcnow
from tests.factories.desk import make_desk
from tests.factories.people import make_agent
from tests.support.processes import free_port
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[3]
STREAMS = 120  # more than redis-py's default pool of 100 connections
MAX_THREADS = 8  # the worker's own few (gevent's hub, gunicorn's), not one per stream


@pytest.fixture
def gevent_web(app: Flask) -> Iterator[tuple[int, int]]:
    """``gunicorn -k gevent -w 1`` on the test's database and Redis; (port, worker pid)."""
    port = free_port()
    env = {**os.environ, "DIALER_HEARTBEAT_TIMEOUT_S": "3", "PYTHONUNBUFFERED": "1"}
    argv = [sys.executable, "-m", "gunicorn", "--worker-class=gevent", "--workers=1"]
    argv += ["--worker-connections=500", "--log-level=warning", f"--bind=127.0.0.1:{port}"]
    process = subprocess.Popen([*argv, "app:app"], cwd=ROOT, env=env, start_new_session=True)
    try:

        def worker_pid() -> int | None:
            if process.poll() is not None:
                raise AssertionError(f"gunicorn exited with {process.returncode}")
            children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text()
            if not children.split():
                return None
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return int(children.split()[0])
            except OSError:
                return None

        pid = wait_until(worker_pid, timeout=60, message="gunicorn's gevent worker to listen")
        yield port, pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _agents(app: Flask) -> tuple[int, str, list[tuple[int, str]]]:
    """(campaign id, agent1's token, [(user id, token)] of the streaming agents)."""
    desk = make_desk(app, leads=3)
    now = utcnow()
    with app.app_context():
        agent1 = db.session.get(User, desk.agent_id)
        assert agent1 is not None
        accounts.start_agent_session(db.session, agent1, "1001", now=now)
        token = tokens.issue_token(db.session, agent1, now)[0]
        streaming = []
        for i in range(STREAMS):
            user, _ = make_agent(db.session, f"desk{i:03d}", str(1100 + i), now=now)
            streaming.append((user.id, tokens.issue_token(db.session, user, now)[0]))
        db.session.commit()
    return desk.campaign_id, token, streaming


def _open_stream(port: int, token: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    request = (
        "GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
    )
    sock.sendall(request.encode())
    return sock


def _read_until(sock: socket.socket, marker: bytes, seen: bytearray) -> None:
    while marker not in seen:
        chunk = sock.recv(65536)
        assert chunk, "the stream closed"
        seen.extend(chunk)


def _heartbeats(app: Flask, user_ids: list[int]) -> dict[int, datetime]:
    with app.app_context():
        rows = db.session.query(AgentSession.user_id, AgentSession.last_heartbeat_at).filter(
            AgentSession.user_id.in_(user_ids), AgentSession.logout_at.is_(None)
        )
        found = {user_id: at for user_id, at in rows}
        db.session.remove()
    return found


def _threads(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def test_a_hundred_and_more_open_streams_cost_no_thread_each_and_get_lead_still_answers(
    app: Flask, gevent_web: tuple[int, int]
) -> None:
    port, worker = gevent_web
    campaign_id, token, streaming = _agents(app)
    user_ids = [user_id for user_id, _ in streaming]
    started = _heartbeats(app, user_ids)
    sockets = [_open_stream(port, agent_token) for _, agent_token in streaming]
    received = [bytearray() for _ in sockets]
    try:
        for sock, seen in zip(sockets, received, strict=True):
            _read_until(sock, b'"hello"', seen)
        assert b"HTTP/1.1 200" in received[0]
        assert b"text/event-stream" in received[0]

        assert _threads(worker) <= MAX_THREADS

        api = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        api.request("POST", "/api/leads/next", json.dumps({"campaign_id": campaign_id}), headers)
        answer = api.getresponse()
        got = json.loads(answer.read())
        assert answer.status == 200, got
        assert got["lead"] is not None and got["lead"]["phone"].startswith("+8491234567")
        api.close()

        # A notice for one agent reaches that agent's open screen.
        chosen = 57
        with app.app_context():
            live.publish(redis_hub.client, user_ids[chosen], "agent", {"state": "paused"})
        _read_until(sockets[chosen], b'"paused"', received[chosen])

        # Every open stream's keep-alive (each second here) is its screen's heartbeat.
        def all_beat() -> bool:
            now = _heartbeats(app, user_ids)
            return all(now[user_id] > started[user_id] for user_id in user_ids)

        wait_until(all_beat, timeout=30, message="every open stream to mark its screen alive")

        # Half the desktops go: their streams end (no subscriber left on their channels)...
        gone, staying = user_ids[:60], user_ids[60:]
        for sock in sockets[:60]:
            sock.close()

        def unsubscribed() -> bool:
            channels = [live.user_channel(user_id) for user_id in gone]
            with app.app_context():
                counts = redis_hub.client.pubsub_numsub(*channels)
            return all(count == 0 for _channel, count in counts)

        wait_until(unsubscribed, timeout=15, message="the closed desktops' streams to end")
        # ... and record no heartbeat after that; the open ones go on beating.
        after_close = _heartbeats(app, user_ids)
        time.sleep(2.5)
        later = _heartbeats(app, user_ids)
        assert all(later[user_id] == after_close[user_id] for user_id in gone)
        assert all(later[user_id] > after_close[user_id] for user_id in staying)
        assert _threads(worker) <= MAX_THREADS
    finally:
        for sock in sockets:
            sock.close()
