"""Redis killed under a running desk: 503 with a plain message, nothing recorded, recovery by
itself once Redis is back (issue 13, 5).

The app is pointed at a redis-server of the test's own, which the test kills with SIGKILL and
starts again on the same port; the web app is never restarted in between.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from dialer.extensions import db, redis_hub
from dialer.models import AgentSession, ApiToken, AuditEntry, Call, Campaign
from tests.factories.desk import make_desk
from tests.factories.leads import make_lead
from tests.factories.people import AGENT_PASSWORD, make_agent
from tests.support.pbx import CallsWorker, ListenerThread
from tests.support.redis_server import RedisServer
from tests.support.web import (
    api_login,
    bearer,
    call_in_state,
    csrf_token,
    openapi_document,
    wait_until_ended,
)

UNAVAILABLE_EN = "The dialer's queue service is not answering, so nothing was changed."
UNAVAILABLE_VI = "Dịch vụ hàng đợi của hệ thống quay số không phản hồi"


@pytest.fixture
def own_redis(app: Flask, tmp_path: Path) -> Iterator[RedisServer]:
    """The app's Redis is a redis-server of this test's own (the shared one is never touched)."""
    server = RedisServer(tmp_path).start()
    app.config["REDIS_URL"] = server.url
    redis_hub.init_app(app)
    yield server
    server.kill()


def _desk_with_a_long_call(app: Flask) -> int:
    """agent1's desk with one lead whose customer answers and talks for an hour; agent2 too."""
    desk = make_desk(app, leads=0)
    with app.app_context():
        campaign = db.session.get_one(Campaign, desk.campaign_id)
        make_lead(db.session, campaign, "+84912345674")
        make_agent(db.session, "agent2", "1002", signed_in=False, queues=("support",))
        db.session.commit()
    return desk.campaign_id


def _count(app: Flask, model: type, **where: object) -> int:
    with app.app_context():
        query = select(func.count()).select_from(model).filter_by(**where)
        found = int(db.session.scalar(query) or 0)
        db.session.remove()
        return found


def _agent2_sign_in(client) -> object:
    return client.post(
        "/api/session",
        json={"agent_id": "agent2", "password": AGENT_PASSWORD, "extension": "1002"},
    )


def test_without_redis_sign_in_and_hang_up_answer_503_record_nothing_and_recover(
    app, client, pbx, own_redis
) -> None:
    campaign_id = _desk_with_a_long_call(app)
    document = openapi_document(app)
    agent = bearer(api_login(client)["token"])
    listener, worker = ListenerThread(app).start(), CallsWorker(app).start()
    try:
        lead_id = client.post(
            "/api/leads/next", json={"campaign_id": campaign_id}, headers=agent
        ).get_json()["lead"]["id"]
        placed = client.post("/api/calls", json={"lead_id": lead_id}, headers=agent)
        call_id = placed.get_json()["call"]["id"]
        call_in_state(client, agent, call_id, "connected", timeout=15)
        worker.stop()
        audits_before = _count(app, AuditEntry)

        own_redis.kill()

        # Hang up: refused, and the call is still up, not marked hung up by anyone.
        hung = client.post(f"/api/calls/{call_id}/hangup", headers=agent)
        assert hung.status_code == 503
        assert hung.headers["Retry-After"] == "5"
        assert hung.get_json()["code"] == "service_unavailable"
        assert hung.get_json()["message"].startswith(UNAVAILABLE_EN)
        with app.app_context():
            call = db.session.get_one(Call, call_id)
            assert (call.state, call.hung_up_by, call.ended_at) == ("connected", None, None)
            db.session.remove()
        in_vietnamese = client.post(
            f"/api/calls/{call_id}/hangup", headers={**agent, "Accept-Language": "vi"}
        )
        assert in_vietnamese.status_code == 503
        assert UNAVAILABLE_VI in in_vietnamese.get_json()["message"]

        # Sign-in (API and page): refused before anything is written.
        other = app.test_client()
        refused = _agent2_sign_in(other)
        assert (refused.status_code, refused.get_json()["code"]) == (503, "service_unavailable")
        browser = app.test_client()
        form = {
            "csrf_token": csrf_token(browser),
            "username": "agent2",
            "password": AGENT_PASSWORD,
            "extension": "1002",
        }
        page = browser.post("/login", data=form, headers={"Accept-Language": "vi"})
        html = page.get_data(as_text=True)
        assert page.status_code == 503
        assert UNAVAILABLE_VI in html and "Traceback" not in html
        assert _count(app, AgentSession, logout_at=None) == 1  # agent1's only
        assert _count(app, ApiToken) == 1
        assert _count(app, AuditEntry) == audits_before

        # The desktop still opens, and its event stream ends quietly (the browser comes back).
        assert client.get("/agent/", headers=agent).status_code in (200, 302)
        stream = client.get("/api/events", headers=agent)
        assert stream.status_code == 200
        body = stream.get_data(as_text=True)
        assert body.startswith("retry:") and "hello" not in body

        # Every status the outage gave is one the API description declares.
        operations = document["paths"]
        assert "503" in operations["/api/calls/{call_id}/hangup"]["post"]["responses"]
        assert "503" in operations["/api/session"]["post"]["responses"]

        own_redis.start()  # same port; the web app is not restarted

        worker = CallsWorker(app).start()
        hung = client.post(f"/api/calls/{call_id}/hangup", headers=agent)
        assert hung.status_code == 200, hung.get_json()
        ended = wait_until_ended(client, agent, call_id)
        assert (ended["status"], ended["hung_up_by"]) == ("ANSWER", "agent")
        assert _agent2_sign_in(other).status_code == 201
        hello = client.get("/api/events", headers=agent, buffered=False)
        first = b"".join(next(hello.response) for _ in range(2)).decode()
        hello.close()
        assert '"hello"' in first
    finally:
        worker.stop()
        listener.stop()


def test_a_queue_that_refuses_the_job_takes_back_the_hang_up_and_fails_the_call_undialled(
    app, client, pbx, own_redis
) -> None:
    """Redis answers but will not take a job (here: refused by its ACL, as when it fills up)."""
    campaign_id = _desk_with_a_long_call(app)
    agent = bearer(api_login(client)["token"])
    listener, worker = ListenerThread(app).start(), CallsWorker(app).start()
    admin = own_redis.client()
    try:
        lead_id = client.post(
            "/api/leads/next", json={"campaign_id": campaign_id}, headers=agent
        ).get_json()["lead"]["id"]
        call_id = client.post("/api/calls", json={"lead_id": lead_id}, headers=agent).get_json()[
            "call"
        ]["id"]
        call_in_state(client, agent, call_id, "connected", timeout=15)
        worker.stop()
        admin.execute_command("ACL", "SETUSER", "default", "-rpush", "-lpush")

        hung = client.post(f"/api/calls/{call_id}/hangup", headers=agent)
        assert (hung.status_code, hung.get_json()["code"]) == (503, "service_unavailable")
        with app.app_context():
            call = db.session.get_one(Call, call_id)
            assert (call.state, call.hung_up_by) == ("connected", None)
            db.session.remove()

        admin.execute_command("ACL", "SETUSER", "default", "+@all")
        worker = CallsWorker(app).start()
        assert client.post(f"/api/calls/{call_id}/hangup", headers=agent).status_code == 200
        ended = wait_until_ended(client, agent, call_id)
        assert (ended["status"], ended["hung_up_by"]) == ("ANSWER", "agent")
    finally:
        admin.close()
        worker.stop()
        listener.stop()


def test_a_lead_import_is_not_confirmed_without_redis_and_goes_through_once_it_is_back(
    app, client, own_redis
) -> None:
    from dialer.models import ImportStatus, LeadImport
    from tests.factories.campaigns import make_draft_campaign
    from tests.support.web import signed_in_manager
    from tests.web.manager.test_campaigns import upload

    signed_in_manager(app, client)
    with app.app_context():
        campaign_id = make_draft_campaign(db.session).id
        db.session.commit()
    mapping_url = upload(client, campaign_id, b"phone\n0912000001\n").headers["Location"]
    token = csrf_token(client, mapping_url)
    audits_before = _count(app, AuditEntry)

    own_redis.kill()
    refused = client.post(mapping_url, data={"csrf_token": token, "columns-0": "phone"})

    html = refused.get_data(as_text=True)
    assert refused.status_code == 503
    assert "queue service is not answering, so nothing was changed" in html
    assert "Traceback" not in html
    with app.app_context():
        assert db.session.scalar(select(LeadImport.status)) == ImportStatus.UPLOADED
        db.session.remove()
    assert _count(app, AuditEntry) == audits_before  # no "leads imported" that did not happen

    own_redis.start()
    confirmed = client.post(mapping_url, data={"csrf_token": token, "columns-0": "phone"})
    assert confirmed.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(LeadImport.status)) == ImportStatus.QUEUED
    assert own_redis.client().llen("rq:queue:imports") == 1
