"""In a real browser, with the PBX simulator, the listener, a crm worker and a fake Freshdesk:
an inbound call pops the helpdesk contact and the agent links it (C1, C2)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from dialer.domain.crm import settings
from dialer.domain.crm.settings import HelpdeskInput
from dialer.extensions import db, redis_hub
from dialer.jobs.crm import QUEUE
from dialer.jobs.runtime import bind_app
from dialer.models import Call
from tests.support.crm_fakes import FakeFreshdesk, running
from tests.support.pbx import ThreadWorker, call_in
from tests.support.waiting import wait_until

pytestmark = pytest.mark.browser

CALLER = "0987654321"
CALLER_E164 = "+84987654321"


class CrmWorker:
    """A real RQ worker on the ``crm`` queue, in a thread."""

    def __init__(self, app: Flask) -> None:
        bind_app(app)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._work, name="rq-crm", daemon=True)

    def _work(self) -> None:
        while not self._stop.is_set():
            worker = ThreadWorker([redis_hub.queue(QUEUE)], connection=redis_hub.client)
            worker.work(burst=False, max_idle_time=1, logging_level="WARNING")

    def start(self) -> CrmWorker:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=15)


@pytest.fixture
def freshdesk(seeded: Flask) -> Iterator[FakeFreshdesk]:
    with running(FakeFreshdesk()) as fake:
        with seeded.app_context():
            settings.configure(
                db.session,
                seeded.config["DIALER_CRM_KEY"],
                HelpdeskInput("freshdesk", url=fake.url, secret="fd-key-123"),
            )
            db.session.commit()
        yield fake  # type: ignore[misc]


@pytest.fixture
def crm_worker(seeded: Flask) -> Iterator[CrmWorker]:
    worker = CrmWorker(seeded).start()
    yield worker
    worker.stop()


def _sign_in(page, url: str) -> None:  # noqa: ANN001
    page.goto(url + "/login")
    page.fill("input[name=username]", "agent1")
    page.fill("input[name=password]", "agent-demo")
    page.fill("input[name=extension]", "1001")
    page.click("button[type=submit].primary")
    page.get_by_test_id("agent-bar").wait_for()


def _answered(app: Flask) -> Call:
    with app.app_context():
        return db.session.scalar(
            select(Call).where(Call.customer_number == CALLER_E164, Call.agent_id.is_not(None))
        )


def _panel_for_call(page, app: Flask, number: str) -> None:  # noqa: ANN001
    call_in(app, number, seconds=300)
    page.get_by_test_id("crm-panel").wait_for()
    page.wait_for_selector(f"[data-testid=crm-number]:has-text('{number}')")


def test_an_inbound_call_pops_the_contact_and_links_the_latest_ticket(
    seeded, freshdesk, live_server, page, listener, calls_worker, crm_worker
):
    freshdesk.add_contact("Old record", CALLER_E164, day=1)
    cid = freshdesk.add_contact("Chị Hoa", CALLER, email="hoa@example.vn", day=7)
    freshdesk.add_ticket(cid, "Mạng chậm", status=3, day=2)
    latest = freshdesk.add_ticket(cid, "Đổi gói cước", day=9)
    _sign_in(page, live_server.url)

    _panel_for_call(page, seeded, CALLER_E164)
    page.wait_for_selector("[data-testid=crm-name]:has-text('Chị Hoa')")
    assert page.get_by_test_id("crm-email").inner_text() == "hoa@example.vn"
    assert "2 contacts have this number" in page.get_by_test_id("crm-matches").inner_text()
    rows = page.locator("[data-testid=crm-tickets] tbody tr")
    assert rows.count() == 2 and "Đổi gói cước" in rows.first.inner_text()
    assert "Open" in rows.first.inner_text() and "Pending" in rows.nth(1).inner_text()

    page.get_by_test_id("crm-link-latest").dblclick()
    page.wait_for_selector(f"[data-testid=crm-link]:has-text('Linked to ticket #{latest}')")
    assert page.get_by_test_id("crm-link-new").is_disabled()

    assert [n["ticket_id"] for n in freshdesk.notes] == [latest]
    note = freshdesk.notes[0]
    assert note["private"] is True
    assert CALLER_E164 in note["body"] and "Inbound" in note["body"]
    call = _answered(seeded)
    assert f"/calls/{call.id}/recording" in note["body"]

    recording = Path(seeded.config["DIALER_RECORDINGS_DIR"]) / call.recording_ref
    wait_until(recording.exists, message="the simulator's recording")
    audio = page.get_by_test_id("crm-recording-audio")
    page.wait_for_selector("[data-testid=crm-recording]:not([hidden])", timeout=30_000)
    assert audio.get_attribute("src") == f"/calls/{call.id}/recording"
    status = page.evaluate(
        "async (url) => (await fetch(url, {headers: {Range: 'bytes=0-99'}})).status",
        f"/calls/{call.id}/recording",
    )
    assert status == 206


def test_a_new_ticket_for_an_unknown_number_and_the_agent_renames_unknown(
    seeded, freshdesk, live_server, page, listener, crm_worker
):
    _sign_in(page, live_server.url)
    _panel_for_call(page, seeded, CALLER_E164)
    page.wait_for_selector("[data-testid=crm-name]:has-text('no contact with this number')")
    assert page.get_by_test_id("crm-link-latest").is_disabled()

    page.get_by_test_id("crm-link-new").click()
    page.wait_for_selector("[data-testid=crm-link]:has-text('Linked to ticket')")
    rename = page.get_by_test_id("crm-rename-input")
    rename.wait_for()
    rename.fill("Anh Tuấn")
    page.get_by_test_id("crm-rename-save").click()
    page.wait_for_selector("[data-testid=crm-name]:has-text('Anh Tuấn')")

    (contact,) = freshdesk.contacts.values()
    (ticket,) = freshdesk.tickets.values()
    assert (contact["name"], contact["phone"]) == ("Anh Tuấn", CALLER_E164)
    assert ticket["requester_id"] == contact["id"]
    assert [n["ticket_id"] for n in freshdesk.notes] == [ticket["id"]]


def test_do_not_link_asks_first_and_touches_no_ticket(
    seeded, freshdesk, live_server, page, listener, crm_worker
):
    cid = freshdesk.add_contact("Chị Hoa", CALLER)
    freshdesk.add_ticket(cid, "Đổi gói cước")
    _sign_in(page, live_server.url)
    _panel_for_call(page, seeded, CALLER_E164)
    page.wait_for_selector("[data-testid=crm-name]:has-text('Chị Hoa')")

    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_test_id("crm-link-none").click()
    assert page.get_by_test_id("crm-link").inner_text() == ""
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("crm-link-none").click()
    page.wait_for_selector("[data-testid=crm-link]:has-text('Not linked.')")

    assert page.get_by_test_id("crm-link-latest").is_disabled()
    wait_until(lambda: len(freshdesk.requests) >= 2, message="the lookups")
    assert freshdesk.notes == [] and len(freshdesk.tickets) == 1
    assert not freshdesk.received("POST", ".")
