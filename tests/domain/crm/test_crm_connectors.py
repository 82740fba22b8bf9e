"""The Freshdesk and Zendesk connectors against local fake helpdesks over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dialer.domain.crm import port
from dialer.domain.crm.freshdesk import FreshdeskConnector
from dialer.domain.crm.port import CrmError
from dialer.domain.crm.zendesk import ZendeskConnector
from tests.support.crm_fakes import FakeFreshdesk, FakeZendesk, running

NUMBER = "+84901234567"
SHAPES = ["+84901234567", "84901234567", "0901234567"]


@pytest.fixture
def freshdesk() -> Iterator[FakeFreshdesk]:
    with running(FakeFreshdesk()) as fake:
        yield fake  # type: ignore[misc]


@pytest.fixture
def zendesk() -> Iterator[FakeZendesk]:
    with running(FakeZendesk()) as fake:
        yield fake  # type: ignore[misc]


def fd(fake: FakeFreshdesk, key: str = "fd-key-123", timeout_s: float = 3.0) -> FreshdeskConnector:
    return FreshdeskConnector(fake.url, key, timeout_s=timeout_s)


def zd(fake: FakeZendesk, token: str = "zd-token-456", **kwargs) -> ZendeskConnector:  # noqa: ANN003
    return ZendeskConnector(fake.url, "admin@example.com", token, timeout_s=3.0, **kwargs)


# ------------------------------------------------------------------ Freshdesk


def test_freshdesk_finds_a_contact_typed_nationally_with_their_latest_tickets(freshdesk) -> None:
    cid = freshdesk.add_contact("Nguyen Van A", "0901234567", email="a@example.com")
    freshdesk.add_ticket(cid, "Old question", status=5, day=2)
    freshdesk.add_ticket(cid, "Router broken", status=2, day=20)

    connector = fd(freshdesk)
    found = connector.find_contacts(SHAPES)
    tickets = connector.latest_tickets(found[0], 5)

    assert [(c.name, c.email) for c in found] == [("Nguyen Van A", "a@example.com")]
    assert [(t.subject, t.status) for t in tickets] == [
        ("Router broken", "Open"),
        ("Old question", "Closed"),
    ]
    assert tickets[0].url == f"{freshdesk.url}/a/tickets/{tickets[0].ref}"
    search = freshdesk.received("GET", r"/search/contacts$")[0]
    assert search.query["query"][0].startswith('"phone:') and search.query["query"][0].endswith('"')
    listing = freshdesk.received("GET", r"/tickets$")[0]
    assert listing.query["order_by"] == ["updated_at"] and listing.query["order_type"] == ["desc"]


def test_freshdesk_two_contacts_for_one_number_newest_first(freshdesk) -> None:
    freshdesk.add_contact("Old record", "+84901234567", day=3)
    freshdesk.add_contact("New record", "", mobile="0901234567", day=25)

    found = fd(freshdesk).find_contacts(SHAPES)

    assert [c.name for c in found] == ["New record", "Old record"]


def test_freshdesk_search_follows_pages(freshdesk) -> None:
    freshdesk.SEARCH_PAGE = 2
    for day in range(1, 4):
        freshdesk.add_contact(f"Dup {day}", NUMBER, day=day)

    found = fd(freshdesk).find_contacts(SHAPES)

    assert [c.name for c in found] == ["Dup 3", "Dup 2", "Dup 1"]
    assert [r.query["page"] for r in freshdesk.received("GET", "search")] == [["1"], ["2"]]


def test_freshdesk_creates_contact_ticket_and_private_note(freshdesk) -> None:
    connector = fd(freshdesk)
    contact = connector.create_contact("unknown", NUMBER)
    ticket = connector.create_ticket(contact, "Inbound call", "Call with +84901234567")
    connector.add_private_note(ticket.ref, "<p>hello</p>")

    stored = freshdesk.tickets[int(ticket.ref)]
    assert (stored["source"], stored["status"], stored["priority"]) == (3, 2, 1)
    assert freshdesk.contacts[int(contact.ref)]["name"] == "unknown"
    assert freshdesk.notes == [
        {
            "id": freshdesk.notes[0]["id"],
            "ticket_id": int(ticket.ref),
            "body": "<p>hello</p>",
            "private": True,
        }
    ]
    auth = freshdesk.requests[0].headers["Authorization"]
    assert auth.startswith("Basic ")


def test_freshdesk_whoami_and_bad_key(freshdesk) -> None:
    assert fd(freshdesk).whoami() == port.Whoami("Lan Support", "lan@example.com")
    with pytest.raises(CrmError) as refused:
        fd(freshdesk, key="wrong").whoami()
    assert refused.value.code == port.BAD_CREDENTIALS


def test_freshdesk_deleted_ticket_is_not_found(freshdesk) -> None:
    tid = freshdesk.add_ticket(freshdesk.add_contact("A", NUMBER), "Gone")
    freshdesk.tickets[tid]["deleted"] = True
    with pytest.raises(CrmError) as refused:
        fd(freshdesk).add_private_note(str(tid), "x")
    assert refused.value.code == port.NOT_FOUND and not refused.value.is_transient


def test_freshdesk_429_carries_retry_after(freshdesk) -> None:
    freshdesk.fail(429, Retry_After="7")
    with pytest.raises(CrmError) as refused:
        fd(freshdesk).find_contacts(SHAPES)
    assert refused.value.code == port.RATE_LIMITED
    assert refused.value.retry_after_s == 7.0 and refused.value.is_transient


def test_freshdesk_5xx_and_slow_answers_are_transient(freshdesk) -> None:
    freshdesk.fail(503)
    with pytest.raises(CrmError) as unavailable:
        fd(freshdesk).whoami()
    freshdesk.slow(1.5)
    with pytest.raises(CrmError) as slow:
        fd(freshdesk, timeout_s=0.3).whoami()
    assert unavailable.value.code == port.UNAVAILABLE
    assert slow.value.code == port.TIMEOUT and slow.value.is_transient


def test_a_url_that_is_not_a_helpdesk_is_named() -> None:
    with pytest.raises(CrmError) as not_url:
        FreshdeskConnector("ftp://example.com", "k", timeout_s=1)
    # A server, but not Freshdesk: it refuses the key and knows none of Freshdesk's paths.
    with running(FakeZendesk()) as other, pytest.raises(CrmError) as not_freshdesk:
        FreshdeskConnector(other.url, "k", timeout_s=1).whoami()
    assert not_url.value.code == port.NOT_A_HELPDESK
    assert not_freshdesk.value.code in (port.BAD_CREDENTIALS, port.NOT_FOUND)


def test_an_unknown_host_is_unreachable() -> None:
    with pytest.raises(CrmError) as refused:
        FreshdeskConnector("http://127.0.0.1:9", "k", timeout_s=1).whoami()
    assert refused.value.code == port.UNREACHABLE


# -------------------------------------------------------------------- Zendesk


def test_zendesk_finds_users_over_pages_newest_first_with_tickets(zendesk) -> None:
    old = zendesk.add_user("Old Tran", NUMBER, day=2)
    new = zendesk.add_user("New Tran", NUMBER, email="tran@example.com", day=21)
    zendesk.add_ticket(new, "Refund", status="pending", day=22)
    zendesk.add_ticket(old, "Not this one", day=3)

    connector = zd(zendesk)
    found = connector.find_contacts(SHAPES)
    tickets = connector.latest_tickets(found[0], 5)

    assert [c.name for c in found] == ["New Tran", "Old Tran"]
    assert [(t.subject, t.status) for t in tickets] == [("Refund", "Pending")]
    assert tickets[0].url == f"{zendesk.url}/agent/tickets/{tickets[0].ref}"
    assert len(zendesk.received("GET", r"search\.json$")) >= 2  # followed next_page


def test_zendesk_private_note_is_a_non_public_comment(zendesk) -> None:
    connector = zd(zendesk)
    contact = connector.create_contact("unknown", NUMBER)
    ticket = connector.create_ticket(contact, "Inbound call", "first")
    connector.add_private_note(ticket.ref, "the note")

    assert zendesk.comments[-1] == {
        "ticket_id": int(ticket.ref),
        "body": "the note",
        "public": False,
    }
    assert zendesk.users[int(contact.ref)]["name"] == "unknown"


def test_zendesk_in_app_popup_opens_the_ticket_in_the_agents_tab(zendesk) -> None:
    tid = zendesk.add_ticket(zendesk.add_user("C", NUMBER), "Hi")

    assert zd(zendesk, popup="in-app").display_ticket("admin@example.com", str(tid)) is True
    assert zd(zendesk, popup="in-app").display_ticket("nobody@example.com", str(tid)) is False
    assert zd(zendesk, popup="browser").display_ticket("admin@example.com", str(tid)) is False
    assert zendesk.displayed == [(zendesk.agent_id, tid)]


def test_zendesk_in_app_popup_opens_a_user_profile_in_the_agents_tab(zendesk) -> None:
    uid = zendesk.add_user("C", NUMBER)

    assert zd(zendesk, popup="in-app").display_user("admin@example.com", str(uid)) is True
    assert zd(zendesk, popup="in-app").display_user("nobody@example.com", str(uid)) is False
    assert zd(zendesk, popup="in-app").display_user("admin@example.com", "999999") is False
    assert zd(zendesk, popup="browser").display_user("admin@example.com", str(uid)) is False
    assert zendesk.displayed_users == [(zendesk.agent_id, uid)]


def test_zendesk_bad_token_and_deleted_ticket(zendesk) -> None:
    with pytest.raises(CrmError) as bad:
        zd(zendesk, token="nope").whoami()
    with pytest.raises(CrmError) as gone:
        zd(zendesk).add_private_note("999999", "x")
    assert bad.value.code == port.BAD_CREDENTIALS
    assert gone.value.code == port.NOT_FOUND
    assert zd(zendesk).whoami().email == "admin@example.com"
