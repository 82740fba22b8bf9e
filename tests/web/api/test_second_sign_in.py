"""A second sign-in of an agent on a call takes the call over: never a second dial (issue 13, 1)."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from dialer import live
from dialer.extensions import db, redis_hub
from dialer.models import Call, Campaign
from tests.factories.desk import make_desk
from tests.factories.leads import make_lead
from tests.factories.people import AGENT_PASSWORD, make_extension
from tests.support.pbx import CallsWorker, ListenerThread
from tests.support.waiting import wait_until
from tests.support.web import api_login, bearer, call_in_state, wait_until_ended


def _desk_with_long_call(app) -> int:
    """The desk's campaign with one lead whose customer answers and talks for an hour."""
    desk = make_desk(app, leads=0)
    with app.app_context():
        make_lead(db.session, db.session.get_one(Campaign, desk.campaign_id), "+84912345674")
        db.session.commit()
    return desk.campaign_id


def test_signing_in_again_on_a_call_takes_it_over_and_never_dials_the_lead_twice(
    app, client, pbx
) -> None:
    campaign_id = _desk_with_long_call(app)
    first_login = api_login(client)
    first, agent_id = bearer(first_login["token"]), first_login["user"]["id"]
    listener, worker = ListenerThread(app).start(), CallsWorker(app).start()
    try:
        lead_id = client.post(
            "/api/leads/next", json={"campaign_id": campaign_id}, headers=first
        ).get_json()["lead"]["id"]
        call_id = client.post("/api/calls", json={"lead_id": lead_id}, headers=first).get_json()[
            "call"
        ]["id"]
        call_in_state(client, first, call_id, "connected", timeout=15)
        first_session = client.get("/api/agent", headers=first).get_json()["session_id"]
        with app.app_context():
            screen = redis_hub.client.pubsub(ignore_subscribe_messages=True)
            screen.subscribe(live.user_channel(agent_id))
        # The same agent signs in again from another browser, on the same phone.
        other = app.test_client()
        again = api_login(other)

        def told() -> dict | None:
            message = screen.get_message(timeout=0.2)
            data = json.loads(message["data"]) if message else {}
            return data if data.get("event") == "session_replaced" else None

        replaced = wait_until(told, timeout=5, message="the first screen to be told")
        screen.close()
        assert replaced["data"]["session_id"] == first_session  # that screen closes itself
        second = bearer(again["token"])
        agent = again["agent"]
        assert (agent["state"], agent["call"]["id"], agent["lead_id"]) == (
            "connected",
            call_id,
            lead_id,
        )
        redial = other.post("/api/calls", json={"lead_id": lead_id}, headers=second)
        assert (redial.status_code, redial.get_json()["code"]) == (409, "wrong_state")
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Call)) == 1
        # The new session owns the call: hanging up from it ends the one call.
        hung = other.post(f"/api/calls/{call_id}/hangup", headers=second)
        assert hung.status_code == 200
        ended = wait_until_ended(other, second, call_id)
    finally:
        worker.stop()
        listener.stop()
    assert ended["status"] == "ANSWER"
    # Signing in once more during wrap-up keeps the survey owed.
    third = bearer(api_login(app.test_client())["token"])
    state = client.get("/api/agent", headers=third).get_json()
    assert (state["state"], state["call"]["id"]) == ("wrapup", call_id)


def test_signing_in_on_another_extension_while_on_a_call_is_refused(app, client) -> None:
    campaign_id = _desk_with_long_call(app)
    with app.app_context():
        make_extension(db.session, "1002")
        db.session.commit()
    first = bearer(api_login(client)["token"])
    lead_id = client.post(
        "/api/leads/next", json={"campaign_id": campaign_id}, headers=first
    ).get_json()["lead"]["id"]
    assert client.post("/api/calls", json={"lead_id": lead_id}, headers=first).status_code == 201
    refused = app.test_client().post(
        "/api/session",
        json={"agent_id": "agent1", "password": AGENT_PASSWORD, "extension": "1002"},
    )
    assert (refused.status_code, refused.get_json()["code"]) == (401, "call_in_progress")
    assert client.get("/api/agent", headers=first).get_json()["state"] == "ringing"
