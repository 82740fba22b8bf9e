"""Queue membership reaches the PBX: sign-in adds, pause pauses, sign-out removes, restarts mend.

The simulator starts with empty queues, as a real call centre configures
Asterisk; membership is read back through AMI QueueStatus on a socket of our own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from dialer.extensions import db
from dialer.models import Queue, User
from tests.factories.desk import make_desk
from tests.support.pbx import CallsWorker, ListenerThread, start_simulator
from tests.support.web import api_login, bearer
from tests.telephony.transcripts import AmiRecorder

AGENT = "Local/1001@sim-agent"


@pytest.fixture
def bare_pbx(app: Flask) -> Iterator[object]:
    """The PBX simulator with no static queue members."""
    from dialer.telephony.provider import close_port

    simulator = start_simulator(app, 0.05, static_members=False)
    yield simulator
    close_port()
    simulator.stop()


@pytest.fixture
def worker(app: Flask, bare_pbx: object) -> Iterator[CallsWorker]:
    running = CallsWorker(app).start()
    yield running
    running.stop()


def queue_status(app: Flask, queue: str) -> dict[str, dict[str, str]]:
    """The queue's members as the PBX reports them over AMI: interface -> QueueMember fields."""
    with AmiRecorder(app.config["AMI_PORT"]) as ami:
        ami.login(app.config["AMI_USERNAME"], app.config["AMI_SECRET"])
        action = ami.action("QueueStatus", Queue=queue)
        ami.event("QueueStatusComplete", ActionID=action)
        return {
            m.get("Location") or "": dict(m.headers)
            for m in ami.events("QueueMember")
            if m.get("ActionID") == action
        }


def eventually(check: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the PBX never got there"
        time.sleep(0.05)


def test_sign_in_pause_ready_and_sign_out_reach_the_pbx_queues(app, client, bare_pbx, worker):
    desk = make_desk(app)
    with app.app_context():
        db.session.add(Queue(name="sales"))
        db.session.commit()
    assert queue_status(app, "support") == {}
    headers = bearer(api_login(client)["token"])

    eventually(lambda: AGENT in queue_status(app, "support"))
    member = queue_status(app, "support")[AGENT]
    assert (member["Name"], member["Paused"], member["Membership"]) == ("Agent1", "0", "dynamic")
    assert queue_status(app, "sales") == {}  # not one of the agent's queues

    paused = client.post("/api/agent/pause", json={"reason_id": desk.reason_id}, headers=headers)
    assert paused.status_code == 200, paused.get_json()
    eventually(lambda: queue_status(app, "support")[AGENT]["Paused"] == "1")
    assert queue_status(app, "support")[AGENT]["PausedReason"] == "Lunch"

    assert client.post("/api/agent/ready", json={}, headers=headers).status_code == 200
    eventually(lambda: queue_status(app, "support")[AGENT]["Paused"] == "0")

    assert client.delete("/api/session", headers=headers).status_code == 200
    eventually(lambda: queue_status(app, "support") == {})


def test_membership_comes_back_after_the_pbx_restarts(app, client, bare_pbx, worker):
    make_desk(app)
    listener = ListenerThread(app).start()
    try:
        api_login(client)
        eventually(lambda: AGENT in queue_status(app, "support"))
        bare_pbx.restart()  # Asterisk forgets dynamic members
        # The listener reconnects and re-applies what the database says.
        eventually(lambda: AGENT in queue_status(app, "support"), timeout=30)
    finally:
        listener.stop()


def test_a_listener_start_removes_members_who_signed_out_while_nobody_listened(
    app, client, bare_pbx
):
    make_desk(app)
    from dialer.telephony.provider import port_for

    port_for(app.config).queue_add("support", "1001", "Stale")  # left over from before
    assert AGENT in queue_status(app, "support")
    listener = ListenerThread(app).start()
    try:
        eventually(lambda: queue_status(app, "support") == {})
    finally:
        listener.stop()


def test_an_admin_changing_queues_moves_a_signed_in_agent_on_the_pbx(app, client, bare_pbx, worker):
    from tests.support.web import csrf_token
    from tests.web.admin.admin_helpers import signed_in_admin

    make_desk(app)  # agent1 on 1001, in support
    admin = app.test_client()
    signed_in_admin(app, admin)  # support exists already; sales is made
    api_login(client)
    eventually(lambda: AGENT in queue_status(app, "support"))
    with app.app_context():
        sales_id = db.session.scalar(select(Queue.id).where(Queue.name == "sales"))
        support_id = db.session.scalar(select(Queue.id).where(Queue.name == "support"))
        agent_id = db.session.scalar(select(User.id).where(User.username == "agent1"))
    page = f"/admin/queues/{sales_id}"
    added = admin.post(
        f"{page}/members", data={"csrf_token": csrf_token(admin, page), "username": "agent1"}
    )
    assert added.status_code == 302
    eventually(lambda: AGENT in queue_status(app, "sales"))
    page = f"/admin/queues/{support_id}"
    removed = admin.post(
        f"{page}/members/{agent_id}/remove", data={"csrf_token": csrf_token(admin, page)}
    )
    assert removed.status_code == 302
    eventually(lambda: queue_status(app, "support") == {})
    assert AGENT in queue_status(app, "sales")

    # The PBX restarts and forgets; a listener started afresh puts back what the database says.
    bare_pbx.restart()
    assert queue_status(app, "sales") == {}
    listener = ListenerThread(app).start()
    try:
        eventually(lambda: AGENT in queue_status(app, "sales"), timeout=30)
    finally:
        listener.stop()
    assert queue_status(app, "support") == {}
