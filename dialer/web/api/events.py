"""``GET /api/events``: the live event stream of a screen (server-sent events over Redis pub/sub).

An agent's stream carries that agent's notices; a supervisor's carries the
wallboard's. While an agent's stream is open it is also the heartbeat: every
keep-alive marks the agent's screen alive, so a background tab whose timers the
browser throttles is not taken for an empty chair. The browser's EventSource
reconnects by itself after a blip (``retry``), and the page then re-reads the
agent's state so nothing missed during the gap stays missed.

An open stream costs no server thread in production: gunicorn runs the app with
gevent workers (README, docs/architecture.md), so a stream waiting on Redis is a
parked greenlet. The stream watches its client's socket and ends within
``CLIENT_CHECK_S`` of the client going, before it would touch the database again:
a stream whose browser left never records one more heartbeat.
"""

from __future__ import annotations

import json
import select
import socket
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from flask_login import current_user
from redis.client import PubSub
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from dialer import live
from dialer.access import ALL_STAFF, roles
from dialer.domain.people import agents
from dialer.extensions import db, redis_hub
from dialer.models import Role, utcnow

bp = Blueprint("events", __name__, url_prefix="/api")

RECONNECT_MS = 1000
CLIENT_CHECK_S = 1.0
# The peer closed its side, hung up or the socket is broken: nothing more will be read.
_GONE = select.POLLHUP | select.POLLERR | select.POLLNVAL | getattr(select, "POLLRDHUP", 0)


def _real_poll() -> Any:
    """``select.poll`` as the OS gives it, also under gevent's monkey-patching.

    The check below never blocks (a zero timeout), so the plain system call is
    right; gevent's replacement only knows readable and writable, not hung up.
    """
    monkey = sys.modules.get("gevent.monkey")  # loaded only where gevent patched the process
    if monkey is None:
        return select.poll()
    return monkey.get_original("select", "poll")()


def client_socket(environ: dict[str, Any]) -> socket.socket | None:
    """The connection to the browser, when the server tells us (gunicorn, werkzeug)."""
    found = environ.get("gunicorn.socket") or environ.get("werkzeug.socket")
    return found if callable(getattr(found, "fileno", None)) else None


def client_gone(sock: socket.socket | None) -> bool:
    """Whether the client closed or lost its connection (never blocks, never reads)."""
    if sock is None:
        return False
    try:
        fileno = sock.fileno()
        if fileno < 0:
            return True
        poller = _real_poll()
        poller.register(fileno, select.POLLIN | _GONE)
        return any(mask & _GONE for _, mask in poller.poll(0))
    except (OSError, ValueError):
        return True


def keepalive_seconds(app: Flask) -> float:
    """How often an idle stream speaks: well inside the heartbeat timeout, at most 10 s."""
    return max(0.2, min(10.0, app.config["DIALER_HEARTBEAT_TIMEOUT_S"] / 3))


class _Batch:
    """The heartbeats asked for while the previous write was in flight."""

    def __init__(self) -> None:
        self.user_ids: set[int] = set()
        self.done = threading.Event()
        self.alive: set[int] | None = None  # None: the write failed, nobody is known gone


class Heartbeats:
    """One process's stream heartbeats, written together: one UPDATE for all that are due.

    Each stream's keep-alive asks for its agent's heartbeat. The first to ask
    writes it; those asking while that write is in flight join the next batch,
    which the same caller writes straight after. A web process holding a
    thousand streams writes a few statements a second, not a hundred, and takes
    one pooled connection for it, not one per stream. Works the same for
    threads (the development server) and greenlets (gunicorn's gevent worker).
    """

    WAIT_S = 30.0

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._open = _Batch()
        self._writing = False

    def beat(self, user_id: int) -> bool:
        """Record the heartbeat; False when the agent has signed out.

        A heartbeat that cannot be written now (the database busy or away) counts
        as alive, not as the end of the stream: the next keep-alive tries again,
        and a screen left unrecorded for the whole timeout is paused as disconnected.
        """
        with self._lock:
            mine = self._open
            mine.user_ids.add(user_id)
            leads = not self._writing
            self._writing = True
        if leads:
            self._write_until_empty()
        elif not mine.done.wait(self.WAIT_S):
            return True
        return mine.alive is None or user_id in mine.alive

    def _write_until_empty(self) -> None:
        try:
            while True:
                with self._lock:
                    batch = self._open
                    if not batch.user_ids:
                        self._writing = False
                        return
                    self._open = _Batch()
                try:
                    batch.alive = self._write(batch.user_ids)
                finally:
                    batch.done.set()
        except BaseException:
            with self._lock:
                self._writing = False
            raise

    def _write(self, user_ids: set[int]) -> set[int] | None:
        with self.app.app_context():
            try:
                alive = agents.record_heartbeats(db.session, user_ids, utcnow())
                db.session.commit()
                return alive
            except SQLAlchemyError as exc:
                self.app.logger.warning("%d heartbeats not recorded: %s", len(user_ids), exc)
                return None
            finally:
                db.session.remove()


def _heartbeats(app: Flask) -> Heartbeats:
    found = app.extensions.get("dialer.heartbeats")
    if found is None:
        found = app.extensions.setdefault("dialer.heartbeats", Heartbeats(app))
    return found


def _is_screen_alive(app: Flask, user_id: int) -> bool:
    return _heartbeats(app).beat(user_id)


def _frame(message: dict) -> str:
    return f"data: {json.dumps(message, default=str)}\n\n"


def _stream(
    app: Flask, user_id: int, is_agent: bool, channel: str, client: socket.socket | None
) -> Iterator[str]:
    keepalive = keepalive_seconds(app)
    yield f"retry: {RECONNECT_MS}\n\n"
    if is_agent and not _is_screen_alive(app, user_id):
        yield _frame({"event": "signed_out", "data": {}})
        return
    pubsub = redis_hub.client.pubsub(ignore_subscribe_messages=True)
    try:
        # Subscribed before "hello": the page re-reads its state on hello, and nothing
        # published after that read can be missed.
        pubsub.subscribe(channel)
        yield _frame({"event": "hello", "data": {}})
        yield from _relay(app, pubsub, user_id, is_agent, keepalive, client)
    except RedisError:
        # Redis is away (or went away): the stream ends without "hello", the browser comes
        # back after ``retry`` by itself, and says hello (re-reads its state) once Redis is.
        # Not a 503: an EventSource gives up for good on an error status.
        return
    finally:
        pubsub.close()


def _relay(
    app: Flask,
    pubsub: PubSub,
    user_id: int,
    is_agent: bool,
    keepalive: float,
    client: socket.socket | None,
) -> Iterator[str]:
    """Forward each message; speak at least every ``keepalive`` s, which is the heartbeat.

    Between messages it looks at the client's socket every ``CLIENT_CHECK_S``: a
    browser that left ends the stream there, so its last keep-alive is not a
    heartbeat for a screen that is gone (nor a database connection taken for it).
    """
    wait = min(keepalive, CLIENT_CHECK_S)
    spoke = time.monotonic()
    while True:
        raw = pubsub.get_message(timeout=wait)
        if raw is not None and raw["type"] == "message":
            # Forwarded as published (one line of JSON), not parsed and written again.
            text = raw["data"].decode()
            yield f"data: {text}\n\n"
            if "forced_logout" in text and json.loads(text).get("event") == "forced_logout":
                return
        if client_gone(client):
            return
        if time.monotonic() - spoke >= keepalive:
            if is_agent and not _is_screen_alive(app, user_id):
                yield _frame({"event": "signed_out", "data": {}})
                return
            yield ": keep-alive\n\n"
            spoke = time.monotonic()


def _channel(is_agent: bool) -> str:
    if is_agent:
        return live.user_channel(current_user.id)
    campaign = request.args.get("campaign", "")
    if campaign.isdigit():
        return live.campaign_channel(int(campaign))
    return live.SUPERVISORS_CHANNEL


@bp.get("/events")
@roles(*ALL_STAFF)
def stream() -> Response:
    """The screen's live events, one JSON object per ``data:`` line.

    ``?campaign=ID`` (supervisors and managers): that campaign's dashboard
    notices instead of the wallboard's.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    is_agent = current_user.role == Role.AGENT
    user_id, channel = current_user.id, _channel(is_agent)
    client = client_socket(request.environ)
    # The stream outlives this view by hours: give back the pooled database connection
    # the sign-in check took now, not when the stream ends (each heartbeat takes its own).
    db.session.remove()
    body = _stream(app, user_id, is_agent, channel, client)
    return Response(
        body,
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
