"""Zendesk's in-app pop-up (issue 12): the caller opens in the agent's Zendesk screen when the
call rings or connects, and the linked ticket once the agent has chosen; all in ``crm`` jobs run
by a real RQ worker, against the fake Zendesk over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask
from rq import Worker

from dialer.domain.crm import settings
from dialer.domain.crm.settings import HelpdeskInput
from dialer.extensions import db, redis_hub
from dialer.jobs.crm import QUEUE
from dialer.jobs.runtime import bind_app
from dialer.models import Call, CallState, User
from tests.factories.calls import outbound_call
from tests.factories.people import make_agent
from tests.support.crm_fakes import FakeZendesk, running
from tests.support.web import api_login, bearer

AT = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
AGENT_EMAIL = "agent1@acme.vn"


@pytest.fixture
def zendesk() -> Iterator[FakeZendesk]:
    with running(FakeZendesk()) as fake:
        yield fake  # type: ignore[misc]


def _configure(app: Flask, zendesk: FakeZendesk, popup: str) -> None:
    with app.app_context():
        settings.configure(
            db.session,
            app.config["DIALER_CRM_KEY"],
            HelpdeskInput(
                "zendesk",
                url=zendesk.url,
                email="admin@example.com",
                secret="zd-token-456",
                popup=popup,
            ),
        )
        db.session.commit()


@pytest.fixture
def desk(app: Flask, zendesk: FakeZendesk) -> dict:
    """agent1 (known to Zendesk by email) on a connected call from a Zendesk user with a ticket."""
    app.config["DIALER_CRM_RETRY_BASE_S"] = 0.05
    _configure(app, zendesk, "in-app")
    with app.app_context():
        agent, _ = make_agent(db.session, "agent1", "1001", signed_in=False)
        agent.email = AGENT_EMAIL
        call = outbound_call(db.session, agent, "0901234567", AT)
        call.state, call.status, call.ended_at = CallState.CONNECTED, None, None
        db.session.commit()
        call_id = call.id
    customer = zendesk.add_user("Trần Thị Bích", "+84901234567", day=5)
    client = app.test_client()
    return {
        "client": client,
        "auth": bearer(api_login(client)["token"]),
        "call": call_id,
        "customer": customer,
        "ticket": zendesk.add_ticket(customer, "Mạng chập chờn", day=9),
        "zendesk_agent": zendesk.add_user("Agent One", "", email=AGENT_EMAIL, role="agent"),
    }


def run_crm_jobs(app: Flask) -> None:
    with app.app_context():
        bind_app(app)
        Worker([redis_hub.queue(QUEUE)], connection=redis_hub.client).work(burst=True)


def _panel(desk: dict) -> dict:
    response = desk["client"].get(f"/api/calls/{desk['call']}/crm", headers=desk["auth"])
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _display_requests(zendesk: FakeZendesk) -> list[str]:
    return [r.path for r in zendesk.requests if r.path.endswith("/display.json")]


def test_the_caller_pops_up_in_the_agents_zendesk_then_the_linked_ticket(
    app, desk, zendesk
) -> None:
    shown = _panel(desk)  # the desktop asks when the call rings...
    assert shown["popup"] == "in-app" and shown["contact"]["ref"] == str(desk["customer"])
    _panel(desk)  # ...and again when it connects: one pop-up per call
    run_crm_jobs(app)

    assert zendesk.displayed_users == [(desk["zendesk_agent"], desk["customer"])]
    searched = [r.query["query"] for r in zendesk.requests if r.path.endswith("users/search.json")]
    assert searched == [[f"email:{AGENT_EMAIL}"]]  # the agent is found by their email

    chosen = desk["client"].post(
        f"/api/calls/{desk['call']}/crm/link",
        json={"choice": "latest"},
        headers={**desk["auth"], "Idempotency-Key": "k-1"},
    )
    assert chosen.status_code == 201
    run_crm_jobs(app)

    assert zendesk.displayed == [(desk["zendesk_agent"], desk["ticket"])]
    assert [c["ticket_id"] for c in zendesk.comments] == [desk["ticket"]]  # the note, as before
    assert len(_display_requests(zendesk)) == 2


def test_no_pop_up_in_browser_style_nor_for_an_agent_without_email_and_the_panel_works(
    app, desk, zendesk
) -> None:
    _configure(app, zendesk, "browser")
    assert _panel(desk)["contact"]["name"] == "Trần Thị Bích"
    run_crm_jobs(app)
    assert _display_requests(zendesk) == []

    _configure(app, zendesk, "in-app")
    with app.app_context():
        db.session.scalars(db.select(User).filter_by(username="agent1")).one().email = ""
        db.session.commit()
    assert _panel(desk)["contact"]["name"] == "Trần Thị Bích"
    run_crm_jobs(app)
    assert _display_requests(zendesk) == []
    with app.app_context():
        from rq.job import Job

        job = Job.fetch(f"crm-display-{desk['call']}", connection=redis_hub.client)
        assert job.return_value() == "agent has no email"


def test_a_call_that_ended_before_the_job_ran_pops_nothing(app, desk, zendesk) -> None:
    _panel(desk)
    with app.app_context():
        call = db.session.get_one(Call, desk["call"])
        call.state, call.ended_at = CallState.ENDED, AT
        db.session.commit()
    run_crm_jobs(app)
    assert _display_requests(zendesk) == []
