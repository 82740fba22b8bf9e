"""``GET /api/events``: the live event stream of a screen (server-sent events over Redis pub/sub).

An agent's stream carries that agent's notices; a supervisor's carries the
wallboard's. While an agent's stream is open it is also the heartbeat: every
keep-alive marks the agent's screen alive, so a background tab whose timers the
browser throttles is not taken for an empty chair. The browser's EventSource
reconnects by itself after a blip (``retry``), and the page then re-reads the
agent's state so nothing missed during the gap stays missed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

from flask import Blueprint, Flask, Response, current_app, request
from flask_login import current_user
from redis.client import PubSub
from redis.exceptions import RedisError

from dialer import live
from dialer.access import ALL_STAFF, roles
from dialer.domain.people import agents
from dialer.extensions import db, redis_hub
from dialer.models import Role, utcnow

bp = Blueprint("events", __name__, url_prefix="/api")

RECONNECT_MS = 1000


def keepalive_seconds(app: Flask) -> float:
    """How often an idle stream speaks: well inside the heartbeat timeout, at most 10 s."""
    return max(0.2, min(10.0, app.config["DIALER_HEARTBEAT_TIMEOUT_S"] / 3))


def _is_screen_alive(app: Flask, user_id: int) -> bool:
    with app.app_context():
        try:
            alive = agents.record_heartbeat(db.session, user_id, utcnow())
            db.session.commit()
            return alive
        finally:
            db.session.remove()


def _frame(message: dict) -> str:
    return f"data: {json.dumps(message, default=str)}\n\n"


def _stream(app: Flask, user_id: int, is_agent: bool, channel: str) -> Iterator[str]:
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
        yield from _relay(app, pubsub, user_id, is_agent, keepalive)
    except RedisError:
        # Redis is away (or went away): the stream ends without "hello", the browser comes
        # back after ``retry`` by itself, and says hello (re-reads its state) once Redis is.
        # Not a 503: an EventSource gives up for good on an error status.
        return
    finally:
        pubsub.close()


def _relay(
    app: Flask, pubsub: PubSub, user_id: int, is_agent: bool, keepalive: float
) -> Iterator[str]:
    """Forward each message; speak at least every ``keepalive`` s, which is the heartbeat."""
    spoke = time.monotonic()
    while True:
        raw = pubsub.get_message(timeout=keepalive)
        if raw is not None and raw["type"] == "message":
            message = json.loads(raw["data"])
            yield _frame(message)
            if message.get("event") == "forced_logout":
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
    body = _stream(app, current_user.id, is_agent, _channel(is_agent))
    return Response(
        body,
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
