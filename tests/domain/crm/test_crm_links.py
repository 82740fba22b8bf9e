"""One choice per call, and the link made at the helpdesk: note, new ticket, retries, failures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from dialer.domain.crm import links, panel, settings
from dialer.domain.crm.builtin import BuiltinConnector
from dialer.domain.crm.freshdesk import FreshdeskConnector
from dialer.domain.crm.notes import NoteContext
from dialer.domain.crm.zendesk import ZendeskConnector
from dialer.domain.errors import DomainError
from dialer.extensions import db
from dialer.models import Contact, CrmLink
from tests.factories.calls import outbound_call
from tests.factories.people import make_agent
from tests.support.crm_fakes import FakeFreshdesk, FakeZendesk, running

AT = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
NUMBER = "+84901234567"
CONTEXT = NoteContext(public_url="https://dialer.example.com", zone="Asia/Ho_Chi_Minh")


@pytest.fixture
def freshdesk() -> Iterator[FakeFreshdesk]:
    with running(FakeFreshdesk()) as fake:
        yield fake  # type: ignore[misc]


@pytest.fixture
def call(ctx):  # noqa: ANN001, ANN201
    agent, _ = make_agent(db.session, "agent7", "1007", now=AT)
    row = outbound_call(db.session, agent, "0901234567", AT, talk_s=95)
    row.recording_ref = f"{row.call_uid}.wav"
    db.session.commit()
    return row


def perform(link_id: int, connector) -> links.Attempt:  # noqa: ANN001
    attempt = links.perform_link(db.session, link_id, connector, CONTEXT, AT, region="VN")
    db.session.commit()
    return attempt


def test_one_choice_per_call_replays_and_refuses_another(call) -> None:
    first = links.choose_link(
        db.session, call.id, call.agent_id, "latest", "k1", provider="builtin"
    )
    again = links.choose_link(
        db.session, call.id, call.agent_id, "latest", "k1", provider="builtin"
    )
    same_choice_new_key = links.choose_link(
        db.session, call.id, call.agent_id, "latest", "k2", provider="builtin"
    )
    with pytest.raises(DomainError) as refused:
        links.choose_link(db.session, call.id, call.agent_id, "none", "k3", provider="builtin")

    assert first.is_new and not again.is_new and not same_choice_new_key.is_new
    assert refused.value.code == links.ALREADY_LINKED
    assert db.session.scalar(select(func.count()).select_from(CrmLink)) == 1


def test_bad_choice_key_or_someone_elses_call_is_refused(call) -> None:
    other, _ = make_agent(db.session, "agent8", "1008", now=AT)
    cases = [
        (call.agent_id, "maybe", "k"),
        (call.agent_id, "latest", ""),
        (call.agent_id, "latest", "x" * 81),
        (other.id, "latest", "k"),
    ]
    codes = []
    for agent_id, choice, key in cases:
        with pytest.raises(DomainError) as refused:
            links.choose_link(db.session, call.id, agent_id, choice, key, provider="builtin")
        codes.append(refused.value.code)
    assert codes == [links.BAD_CHOICE, links.BAD_KEY, links.BAD_KEY, links.UNKNOWN_CALL]


def test_latest_ticket_gets_exactly_one_private_note_with_the_call(call, freshdesk) -> None:
    cid = freshdesk.add_contact("Nguyen Van A", "0901234567")
    freshdesk.add_ticket(cid, "Older", day=3)
    latest = freshdesk.add_ticket(cid, "Router broken", day=20)
    chosen = links.choose_link(
        db.session, call.id, call.agent_id, "latest", "k", provider="freshdesk"
    )
    db.session.commit()
    connector = FreshdeskConnector(freshdesk.url, "fd-key-123", timeout_s=3)

    assert perform(chosen.link.id, connector).status == "linked"
    assert perform(chosen.link.id, connector).status == "linked"  # a second run adds nothing

    assert [n["ticket_id"] for n in freshdesk.notes] == [latest]
    note = freshdesk.notes[0]
    assert note["private"] is True
    assert "https://dialer.example.com/calls/" in note["body"] and "/recording" in note["body"]
    assert "Outbound" in note["body"] and NUMBER in note["body"] and "Agent7" in note["body"]
    assert "1:35" in note["body"] and "ANSWER" in note["body"]
    link = db.session.get(CrmLink, chosen.link.id)
    assert (link.ticket_ref, link.status) == (str(latest), "linked")


def test_new_ticket_for_unknown_number_creates_contact_unknown(call, freshdesk) -> None:
    chosen = links.choose_link(db.session, call.id, call.agent_id, "new", "k", provider="freshdesk")
    db.session.commit()

    attempt = perform(chosen.link.id, FreshdeskConnector(freshdesk.url, "fd-key-123", timeout_s=3))

    assert attempt.status == "linked"
    (contact,) = freshdesk.contacts.values()
    assert (contact["name"], contact["phone"]) == ("unknown", NUMBER)
    (ticket,) = freshdesk.tickets.values()
    assert ticket["requester_id"] == contact["id"] and ticket["source"] == 3
    assert [n["ticket_id"] for n in freshdesk.notes] == [ticket["id"]]


def test_do_not_link_touches_no_helpdesk(call, freshdesk) -> None:
    chosen = links.choose_link(
        db.session, call.id, call.agent_id, "none", "k", provider="freshdesk"
    )
    db.session.commit()

    attempt = perform(chosen.link.id, FreshdeskConnector(freshdesk.url, "fd-key-123", timeout_s=3))

    assert attempt.status == "none" and freshdesk.requests == []


def test_timeout_then_retry_goes_on_without_a_second_ticket(call, freshdesk) -> None:
    chosen = links.choose_link(db.session, call.id, call.agent_id, "new", "k", provider="freshdesk")
    db.session.commit()
    connector = FreshdeskConnector(freshdesk.url, "fd-key-123", timeout_s=3)
    freshdesk.fail(503, path_contains="/notes")

    first = perform(chosen.link.id, connector)
    second = perform(chosen.link.id, connector)

    assert first.should_retry and first.error.code == "crm_unavailable"
    assert second.status == "linked"
    assert (
        len(freshdesk.tickets) == 1 and len(freshdesk.contacts) == 1 and len(freshdesk.notes) == 1
    )
    assert db.session.get(CrmLink, chosen.link.id).attempts == 2


def test_a_deleted_ticket_fails_with_the_reason(call, freshdesk) -> None:
    tid = freshdesk.add_ticket(freshdesk.add_contact("A", NUMBER), "Soon gone")
    chosen = links.choose_link(
        db.session, call.id, call.agent_id, "latest", "k", provider="freshdesk"
    )
    db.session.commit()
    connector = FreshdeskConnector(freshdesk.url, "fd-key-123", timeout_s=3)
    freshdesk.fail(404, path_contains="/notes")  # deleted between the lookup and the note

    attempt = perform(chosen.link.id, connector)

    link = db.session.get(CrmLink, chosen.link.id)
    assert attempt.status == "failed" and link.status == "failed"
    assert link.last_error.startswith(links.TICKET_GONE) and link.ticket_ref == str(tid)


def test_latest_with_no_ticket_fails_saying_so(call, freshdesk) -> None:
    chosen = links.choose_link(
        db.session, call.id, call.agent_id, "latest", "k", provider="freshdesk"
    )
    db.session.commit()

    perform(chosen.link.id, FreshdeskConnector(freshdesk.url, "fd-key-123", timeout_s=3))

    assert db.session.get(CrmLink, chosen.link.id).last_error == links.NO_TICKET


def test_wrong_credentials_fail_the_link_at_once(call, freshdesk) -> None:
    chosen = links.choose_link(db.session, call.id, call.agent_id, "new", "k", provider="freshdesk")
    db.session.commit()

    attempt = perform(chosen.link.id, FreshdeskConnector(freshdesk.url, "bad", timeout_s=3))

    assert attempt.status == "failed" and not attempt.should_retry
    assert db.session.get(CrmLink, chosen.link.id).last_error.startswith("crm_bad_credentials")


def test_zendesk_note_is_plain_text_and_private(call) -> None:
    with running(FakeZendesk()) as zendesk:
        uid = zendesk.add_user("Tran", NUMBER)
        tid = zendesk.add_ticket(uid, "Billing")
        chosen = links.choose_link(
            db.session, call.id, call.agent_id, "latest", "k", provider="zendesk"
        )
        db.session.commit()
        connector = ZendeskConnector(zendesk.url, "admin@example.com", "zd-token-456", timeout_s=3)
        assert perform(chosen.link.id, connector).status == "linked"
    (comment,) = zendesk.comments
    assert comment["ticket_id"] == tid and comment["public"] is False
    assert comment["body"].startswith("Call from the dialer\n") and "<" not in comment["body"]


def test_panel_shows_two_matches_and_the_newest_contact(call, freshdesk) -> None:
    freshdesk.add_contact("Old", NUMBER, day=1)
    newest = freshdesk.add_contact("Newest", "0901234567", email="n@example.com", day=9)
    freshdesk.add_ticket(newest, "Latest issue", day=10)

    shown = panel.call_panel(
        db.session, call, FreshdeskConnector(freshdesk.url, "fd-key-123", timeout_s=3), region="VN"
    )

    assert shown["matches"] == 2 and shown["contact"]["name"] == "Newest"
    assert shown["contact"]["email"] == "n@example.com"
    assert [t["subject"] for t in shown["tickets"]] == ["Latest issue"]
    assert shown["problem"] is None and shown["link"] is None


def test_panel_says_the_helpdesk_is_not_answering_instead_of_hanging(call, freshdesk) -> None:
    freshdesk.slow(2.0)

    shown = panel.call_panel(
        db.session,
        call,
        FreshdeskConnector(freshdesk.url, "fd-key-123", timeout_s=0.3),
        region="VN",
    )

    assert shown["problem"] == "crm_timeout" and shown["contact"] is None


def test_builtin_crm_links_without_any_helpdesk(call) -> None:
    db.session.add(Contact(phone=NUMBER, name="Own contact", email="own@example.com"))
    db.session.commit()
    connector = settings.connector_for(db.session, None, timeout_s=1)
    assert isinstance(connector, BuiltinConnector)

    shown = panel.call_panel(db.session, call, connector, region="VN")
    chosen = links.choose_link(db.session, call.id, call.agent_id, "new", "k", provider="builtin")
    attempt = perform(chosen.link.id, connector)

    assert shown["contact"]["name"] == "Own contact" and shown["provider"] == "builtin"
    assert attempt.status == "linked"
    assert db.session.get(CrmLink, chosen.link.id).ticket_ref == f"call-{call.id}"
