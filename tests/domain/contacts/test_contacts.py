"""Contacts: found by the caller's number in any shape, validated, created on first save."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from dialer.domain.contacts.directory import (
    ContactInput,
    ContactInvalid,
    find_contact,
    may_see_number,
    number_key,
    save_contact,
    update_contact,
)
from dialer.extensions import db
from dialer.models import Contact, Role
from tests.factories.calls import QueueCallScript, answered_call
from tests.factories.people import make_user, signed_in_agent

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)

SHAPES = ["0912345678", "+84912345678", "84912345678", "912345678", "0084912345678", "091 234 5678"]


@pytest.mark.parametrize("shape", SHAPES)
def test_the_contact_is_found_whatever_shape_the_pbx_sends_the_number_in(ctx, shape):
    db.session.add(Contact(phone="+84912345678", name="Chị Lan"))
    db.session.flush()
    assert find_contact(db.session, shape).name == "Chị Lan"


def test_a_contact_stored_in_a_national_shape_is_still_found(ctx):
    db.session.add(Contact(phone="0912345678", name="Imported long ago"))
    db.session.flush()
    assert find_contact(db.session, "+84912345678").name == "Imported long ago"


def test_an_unknown_number_finds_nobody_and_nothing_matches_an_empty_number(ctx):
    db.session.add(Contact(phone="+84912345678", name="Chị Lan"))
    assert find_contact(db.session, "0912345679") is None
    assert find_contact(db.session, "") is None and number_key(None) == ""


def test_first_save_creates_the_contact_and_links_the_current_call(ctx):
    signed_in_agent(db.session, at=T0)
    script = QueueCallScript(db.session, "912345678", T0)
    script.offer("1001")
    data = ContactInput.from_mapping(
        {"name": " Anh Minh ", "email": "minh@example.vn", "is_vip": "on"}
    )
    contact, created = save_contact(db.session, "912345678", data, call=script.call())
    assert created and contact.phone == "+84912345678" and contact.name == "Anh Minh"
    assert script.call().contact_id == contact.id and script.call().is_vip
    again, created = save_contact(
        db.session, "0912345678", ContactInput(name="Anh Minh Nguyễn"), call=script.call()
    )
    assert not created and again.id == contact.id and not again.is_vip
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 1


def test_bad_fields_are_named_and_nothing_changes(ctx):
    contact = Contact(phone="+84912345678", name="Chị Lan", email="lan@example.vn")
    db.session.add(contact)
    bad = ContactInput(name="x" * 161, email="not an email")
    with pytest.raises(ContactInvalid) as refused:
        update_contact(contact, bad)
    assert refused.value.errors == {"name": "too_long", "email": "invalid_email"}
    assert (contact.name, contact.email) == ("Chị Lan", "lan@example.vn")
    with pytest.raises(ContactInvalid) as refused:
        save_contact(db.session, "", ContactInput(name="Nobody"))
    assert refused.value.errors == {"phone": "missing_number"}


def test_an_agent_sees_a_number_only_on_and_just_after_their_call_with_it(ctx):
    agent, _ = signed_in_agent(db.session, at=T0)
    other = make_user(db.session, "agent2")
    boss = make_user(db.session, "boss", role=Role.SUPERVISOR)
    script = QueueCallScript(db.session, "0912345678", T0)
    script.join()
    script.offer("1001")
    script.connect("1001")
    during = script.at
    assert may_see_number(db.session, agent, "+84912345678", during)
    assert not may_see_number(db.session, other, "+84912345678", during)
    script.complete("1001", "COMPLETECALLER", after_s=60)
    ended = script.at
    assert may_see_number(db.session, agent, "+84912345678", ended + timedelta(minutes=9))
    assert not may_see_number(db.session, agent, "+84912345678", ended + timedelta(minutes=11))
    answered_call(db.session, "0987654321", "1001", ended + timedelta(minutes=1))
    assert not may_see_number(db.session, agent, "+84912345678", ended + timedelta(minutes=3))
    assert may_see_number(db.session, boss, "+84912345678", ended + timedelta(days=30))
