"""The helpdesk panel's API over HTTP, the link job in a real RQ worker, and `flask crm`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rq import Worker

from dialer.domain.crm import settings
from dialer.domain.crm.settings import HelpdeskInput
from dialer.extensions import db, redis_hub
from dialer.jobs.crm import QUEUE
from dialer.jobs.runtime import bind_app
from dialer.models import Call, CrmLink
from tests.factories.calls import outbound_call
from tests.factories.people import make_agent
from tests.support.crm_fakes import FakeFreshdesk, running
from tests.support.web import api_login, bearer

AT = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
NUMBER = "+84901234567"


@pytest.fixture
def freshdesk() -> Iterator[FakeFreshdesk]:
    with running(FakeFreshdesk()) as fake:
        yield fake  # type: ignore[misc]


@pytest.fixture
def desk(app: Flask, freshdesk: FakeFreshdesk) -> dict:
    """agent1 signed in through the API with one answered call to NUMBER; Freshdesk configured."""
    app.config["DIALER_CRM_RETRY_BASE_S"] = 0.05
    with app.app_context():
        agent, _ = make_agent(db.session, "agent1", "1001", signed_in=False)
        other, _ = make_agent(db.session, "agent2", "1002", signed_in=False)
        call = outbound_call(db.session, agent, "0901234567", AT, talk_s=42)
        call.recording_ref = f"{call.call_uid}.wav"
        others_call = outbound_call(db.session, other, "0912000111", AT)
        settings.configure(
            db.session,
            app.config["DIALER_CRM_KEY"],
            HelpdeskInput("freshdesk", url=freshdesk.url, secret="fd-key-123"),
        )
        db.session.commit()
        ids = {"call": call.id, "others_call": others_call.id}
    client = app.test_client()
    token = api_login(client)["token"]
    return {"client": client, "auth": bearer(token), **ids}


def run_crm_jobs(app: Flask) -> None:
    with app.app_context():
        bind_app(app)
        Worker([redis_hub.queue(QUEUE)], connection=redis_hub.client).work(burst=True)


def link(desk: dict, choice: str, key: str = "key-1", call: str = "call"):  # noqa: ANN201
    client: FlaskClient = desk["client"]
    return client.post(
        f"/api/calls/{desk[call]}/crm/link",
        json={"choice": choice},
        headers={**desk["auth"], "Idempotency-Key": key},
    )


def test_the_panel_shows_the_helpdesk_contact_and_latest_tickets(app, desk, freshdesk) -> None:
    freshdesk.add_contact("Old", NUMBER, day=1)
    cid = freshdesk.add_contact("Nguyen Van A", "0901234567", email="a@example.com", day=5)
    freshdesk.add_ticket(cid, "Router broken", day=9)

    body = desk["client"].get(f"/api/calls/{desk['call']}/crm", headers=desk["auth"]).get_json()

    assert body["provider"] == "freshdesk" and body["matches"] == 2
    assert body["contact"]["name"] == "Nguyen Van A" and body["contact"]["email"] == "a@example.com"
    assert [(t["subject"], t["status"]) for t in body["tickets"]] == [("Router broken", "Open")]
    assert body["problem"] is None and body["link"] is None


def test_linking_to_the_latest_ticket_adds_one_note_through_the_job(app, desk, freshdesk) -> None:
    cid = freshdesk.add_contact("Nguyen Van A", NUMBER)
    tid = freshdesk.add_ticket(cid, "Router broken")

    first = link(desk, "latest")
    replay = link(desk, "latest")
    run_crm_jobs(app)
    shown = desk["client"].get(f"/api/calls/{desk['call']}/crm", headers=desk["auth"]).get_json()

    assert first.status_code == 201 and first.get_json()["link"]["status"] == "pending"
    assert replay.status_code == 200 and replay.get_json()["replayed"] is True
    assert [n["ticket_id"] for n in freshdesk.notes] == [tid]
    assert f"/calls/{desk['call']}/recording" in freshdesk.notes[0]["body"]
    assert shown["link"]["status"] == "linked" and shown["link"]["ticket_ref"] == str(tid)


def test_a_second_different_choice_is_409_crm_already_linked(app, desk) -> None:
    link(desk, "none")
    refused = link(desk, "new", key="key-2")

    assert refused.status_code == 409
    assert refused.get_json()["code"] == "crm_already_linked"
    assert "only one choice" in refused.get_json()["message"].lower()


def test_bad_link_requests_get_clear_codes(app, desk) -> None:
    no_key = desk["client"].post(
        f"/api/calls/{desk['call']}/crm/link", json={"choice": "latest"}, headers=desk["auth"]
    )
    bad_choice = link(desk, "maybe")
    not_mine = link(desk, "latest", call="others_call")
    looked_up = desk["client"].get(f"/api/calls/{desk['others_call']}/crm", headers=desk["auth"])

    assert (no_key.status_code, no_key.get_json()["code"]) == (400, "crm_bad_idempotency_key")
    assert (bad_choice.status_code, bad_choice.get_json()["code"]) == (422, "crm_bad_choice")
    assert (not_mine.status_code, not_mine.get_json()["code"]) == (404, "crm_unknown_call")
    assert looked_up.status_code == 404


def test_a_new_ticket_for_an_unknown_number_then_the_agent_renames_unknown(
    app, desk, freshdesk
) -> None:
    link(desk, "new")
    run_crm_jobs(app)
    renamed = desk["client"].put(
        f"/api/calls/{desk['call']}/crm/contact", json={"name": "Tran Thi B"}, headers=desk["auth"]
    )

    (contact,) = freshdesk.contacts.values()
    assert renamed.status_code == 200 and renamed.get_json()["contact"]["name"] == "Tran Thi B"
    assert contact["name"] == "Tran Thi B" and contact["phone"] == NUMBER
    assert len(freshdesk.tickets) == 1 and len(freshdesk.notes) == 1


def test_a_slow_helpdesk_is_reported_not_waited_for(app, desk, freshdesk) -> None:
    freshdesk.slow(6.0)

    body = desk["client"].get(f"/api/calls/{desk['call']}/crm", headers=desk["auth"]).get_json()

    assert body["problem"] == "crm_timeout"
    assert body["problem_message"].startswith("Helpdesk not answering")


def test_429_retry_after_is_honoured_and_the_link_is_made(app, desk, freshdesk) -> None:
    tid = freshdesk.add_ticket(freshdesk.add_contact("A", NUMBER), "T")
    freshdesk.fail(429, times=2, Retry_After="0")

    link(desk, "latest")
    run_crm_jobs(app)

    with app.app_context():
        row = db.session.query(CrmLink).one()
        assert (row.status, row.attempts) == ("linked", 3)
    assert [n["ticket_id"] for n in freshdesk.notes] == [tid]


def test_a_helpdesk_that_keeps_failing_leaves_a_failed_link_with_the_reason(
    app, desk, freshdesk
) -> None:
    freshdesk.fail(503, times=50)

    link(desk, "new")
    run_crm_jobs(app)
    shown = desk["client"].get(f"/api/calls/{desk['call']}/crm", headers=desk["auth"]).get_json()

    assert shown["link"]["status"] == "failed" and shown["link"]["error"] == "crm_unavailable"
    assert shown["link"]["attempts"] == 5


# ------------------------------------------------------------------- flask crm


def test_cli_configures_freshdesk_from_stdin_and_checks(app, freshdesk) -> None:
    runner = app.test_cli_runner()
    saved = runner.invoke(
        args=["crm", "configure", "freshdesk", "--url", freshdesk.url, "--api-key-stdin"],
        input="fd-key-123\n",
    )
    checked = runner.invoke(args=["crm", "check"])

    assert saved.exit_code == 0, saved.output
    assert "fd-key-123" not in saved.output + checked.output
    assert (
        checked.output.strip()
        == f"connected to freshdesk at {freshdesk.url} as Lan Support <lan@example.com>"
    )


def test_cli_check_names_a_bad_key_a_timeout_and_an_unknown_host(app, freshdesk) -> None:
    runner = app.test_cli_runner()
    bad = runner.invoke(
        args=["crm", "configure", "freshdesk", "--url", freshdesk.url, "--api-key-stdin"],
        input="wrong\n",
    )
    runner.invoke(
        args=["crm", "configure", "freshdesk", "--url", freshdesk.url, "--api-key-stdin"],
        input="fd-key-123\n",
    )
    freshdesk.slow(6.0)
    timeout = runner.invoke(args=["crm", "check"])
    runner.invoke(
        args=["crm", "configure", "freshdesk", "--url", "http://127.0.0.1:9", "--api-key-stdin"],
        input="k\n",
    )
    unknown = runner.invoke(args=["crm", "check"])
    not_url = runner.invoke(
        args=["crm", "configure", "freshdesk", "--url", "acme", "--api-key-stdin"], input="k\n"
    )

    assert bad.exit_code == 1 and "bad key" in bad.output
    assert timeout.exit_code == 1 and "timeout" in timeout.output
    assert unknown.exit_code == 1 and "cannot connect" in unknown.output
    assert not_url.exit_code == 1 and "url: not_http_url" in not_url.output
    assert "Traceback" not in bad.output + timeout.output + unknown.output + not_url.output


def test_cli_builtin_is_the_default_and_always_connected(app) -> None:
    checked = app.test_cli_runner().invoke(args=["crm", "check"])
    assert (
        checked.exit_code == 0 and checked.output.strip() == "connected to builtin as built-in CRM"
    )


def test_a_pending_link_never_queued_is_queued_when_the_panel_looks(app, desk, freshdesk) -> None:
    tid = freshdesk.add_ticket(freshdesk.add_contact("A", NUMBER), "T")
    with app.app_context():  # saved while Redis was down: no job was queued
        db.session.add(
            CrmLink(
                call_id=desk["call"],
                agent_id=db.session.get(Call, desk["call"]).agent_id,
                choice="latest",
                idempotency_key="k-offline",
                provider="freshdesk",
            )
        )
        db.session.commit()

    shown = desk["client"].get(f"/api/calls/{desk['call']}/crm", headers=desk["auth"]).get_json()
    run_crm_jobs(app)
    again = desk["client"].get(f"/api/calls/{desk['call']}/crm", headers=desk["auth"]).get_json()

    assert shown["link"]["status"] == "pending"
    assert again["link"]["status"] == "linked"
    assert [n["ticket_id"] for n in freshdesk.notes] == [tid]
