"""The supervisor's wallboard: who is signed in, and logging an agent out, seen live."""

from __future__ import annotations

import json

from redis.client import PubSub

from dialer import live
from dialer.extensions import db, redis_hub
from dialer.models import Role
from tests.factories.desk import make_desk
from tests.factories.people import make_user
from tests.support.waiting import wait_until
from tests.support.web import api_login, csrf_token, login


def next_event(pubsub: PubSub, event: str, timeout: float = 5.0) -> dict:
    """The next message of that event on the subscription, waiting up to ``timeout``."""

    def arrived() -> dict | None:
        raw = pubsub.get_message(timeout=0.2)  # blocks up to 0.2 s: no sleep needed between
        found = json.loads(raw["data"]) if raw is not None else None
        return found if found is not None and found["event"] == event else None

    return wait_until(arrived, timeout=timeout, message=f"a {event} event", every=0)


def _supervisor(app) -> object:
    with app.app_context():
        make_user(db.session, "boss", role=Role.SUPERVISOR, password="boss-pass")
        db.session.commit()
    client = app.test_client()
    login(client, "boss", "boss-pass")
    return client


def test_the_wallboard_lists_signed_in_agents_with_their_state(app, client) -> None:
    make_desk(app)
    api_login(client)
    boss = _supervisor(app)
    page = boss.get("/supervisor/").get_data(as_text=True)
    assert 'data-testid="agent-row-agent1"' in page and "Ready" in page
    assert client.get("/supervisor/").status_code == 403  # an agent may not


def test_a_forced_logout_ends_the_agents_session_and_tells_the_screen(app, client) -> None:
    desk = make_desk(app)
    api_login(client)
    boss = _supervisor(app)
    with app.app_context():
        pubsub = redis_hub.client.pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(live.user_channel(desk.agent_id))
    try:
        token = csrf_token(boss, "/supervisor/")
        response = boss.post(
            f"/supervisor/agents/{desk.agent_id}/logout", data={"csrf_token": token}
        )
        assert response.status_code == 302
        message = next_event(pubsub, "forced_logout")
    finally:
        pubsub.close()
    assert message["data"]["by"] == "Boss"
    assert client.get("/api/agent").status_code == 401
    assert 'data-testid="agent-row-agent1"' not in boss.get("/supervisor/").get_data(as_text=True)
