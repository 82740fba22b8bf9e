"""The live stream: notices reach the screen, and an open stream is the screen's heartbeat."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

from dialer import live
from dialer.domain.people import agents
from dialer.extensions import db, redis_hub
from dialer.models import AgentSession, AgentState, utcnow
from tests.factories.desk import make_desk
from tests.support.waiting import wait_until
from tests.support.web import api_login


def frames(response) -> Iterator[dict | None]:
    """Each data frame of a stream as JSON (None for a keep-alive or a retry line)."""
    for chunk in response.response:
        line = chunk.decode() if isinstance(chunk, bytes) else chunk
        yield json.loads(line[len("data: ") :]) if line.startswith("data: ") else None


def _state(app, user_id: int) -> str:
    with app.app_context():
        return db.session.query(AgentSession).filter_by(user_id=user_id).one().state


def _sweep(app) -> None:
    with app.app_context():
        timeout = app.config["DIALER_HEARTBEAT_TIMEOUT_S"]
        agents.pause_silent_agents(db.session, utcnow(), timeout)
        db.session.commit()


def test_a_published_notice_reaches_the_agents_stream(app, client) -> None:
    desk = make_desk(app)
    api_login(client)
    response = client.get("/api/events", buffered=False)
    assert response.mimetype == "text/event-stream"
    stream = frames(response)
    assert next(f for f in stream if f is not None)["event"] == "hello"
    with app.app_context():
        live.publish(redis_hub.client, desk.agent_id, "agent", {"state": "paused"})
    message = next(f for f in stream if f is not None)
    assert message == {"event": "agent", "data": {"state": "paused"}, "ts": message["ts"]}
    response.close()


def test_an_open_stream_keeps_the_agent_ready_and_silence_pauses_with_disconnected(
    app, client
) -> None:
    desk = make_desk(app)
    # keep-alive every 1 s; a loaded machine still gets one in well within the timeout
    app.config["DIALER_HEARTBEAT_TIMEOUT_S"] = 3
    api_login(client)
    response = client.get("/api/events", buffered=False)
    stream = frames(response)
    # No request from the page at all, as in a background tab the browser throttles:
    # only the stream's keep-alives, for twice the timeout.
    deadline = time.monotonic() + 6
    while time.monotonic() < deadline:
        next(stream)
        _sweep(app)
        assert _state(app, desk.agent_id) == AgentState.READY
    response.close()  # the browser vanished

    def paused() -> bool:
        _sweep(app)
        return _state(app, desk.agent_id) == AgentState.PAUSED

    wait_until(paused, timeout=12, message="the silent agent to be paused", every=0.1)
    with app.app_context():
        agent_session = db.session.query(AgentSession).filter_by(user_id=desk.agent_id).one()
        assert agent_session.state == AgentState.PAUSED
        assert agent_session.pause_reason.code == agents.DISCONNECTED_REASON


def test_a_signed_out_agents_stream_says_so_and_ends(app, client) -> None:
    make_desk(app)
    api_login(client)
    token_client = app.test_client()
    with app.app_context():
        from dialer.domain.people import accounts

        user = db.session.query(AgentSession).one().user
        accounts.end_agent_session(
            db.session,
            db.session.query(AgentSession).one(),
            kind="logout",
            now=utcnow(),
        )
        db.session.commit()
        assert user is not None
    response = client.get("/api/events", buffered=False)
    events = [f["event"] for f in frames(response) if f is not None]
    assert events == ["signed_out"]
    assert token_client.get("/api/events").status_code == 401
