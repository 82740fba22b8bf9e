"""Report XCM: once per idempotency key, one per call, tied to call, contact and agent."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from dialer.domain.contacts.xcm import XcmRefused, report_for_call, save_xcm
from dialer.extensions import db
from dialer.models import Contact, XcmReport
from tests.factories.calls import answered_call
from tests.factories.people import make_user, signed_in_agent

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(XcmReport))


def test_the_report_is_tied_to_the_call_its_contact_and_the_agent(ctx):
    agent, _ = signed_in_agent(db.session, at=T0)
    contact = Contact(phone="+84912345678", name="Chị Lan")
    db.session.add(contact)
    call = answered_call(db.session, "0912345678", "1001", T0)
    saved = save_xcm(db.session, call.id, agent.id, "k-1", category="complaint", note=" Mạng chậm ")
    assert saved.created
    report = report_for_call(db.session, call.id)
    assert (report.call_id, report.contact_id, report.agent_id) == (call.id, contact.id, agent.id)
    assert (report.category, report.note) == ("complaint", "Mạng chậm")


def test_the_same_key_again_returns_the_first_report_and_saves_nothing(ctx):
    agent, _ = signed_in_agent(db.session, at=T0)
    call = answered_call(db.session, "0912345678", "1001", T0)
    first = save_xcm(db.session, call.id, agent.id, "k-1", category="support", note="one")
    again = save_xcm(db.session, call.id, agent.id, "k-1", category="sales", note="two")
    assert not again.created and again.report.id == first.report.id and again.report.note == "one"
    assert _count() == 1


def test_a_second_report_for_the_same_call_is_refused(ctx):
    agent, _ = signed_in_agent(db.session, at=T0)
    call = answered_call(db.session, "0912345678", "1001", T0)
    save_xcm(db.session, call.id, agent.id, "k-1", category="support", note="one")
    with pytest.raises(XcmRefused) as refused:
        save_xcm(db.session, call.id, agent.id, "k-2", category="support", note="two")
    assert refused.value.code == "xcm_already_saved" and refused.value.report.note == "one"


def test_bad_input_is_named_and_nothing_is_saved(ctx):
    agent, _ = signed_in_agent(db.session, at=T0)
    call = answered_call(db.session, "0912345678", "1001", T0)
    with pytest.raises(XcmRefused) as refused:
        save_xcm(db.session, call.id, agent.id, "k-1", category="bogus", note="  ")
    assert refused.value.errors == {"category": "choose_category", "note": "required"}
    with pytest.raises(XcmRefused) as refused:
        save_xcm(db.session, call.id, agent.id, "", category="other", note="x")
    assert refused.value.code == "bad_idempotency_key"
    other_call = answered_call(db.session, "0912000111", "1001", T0)
    save_xcm(db.session, other_call.id, agent.id, "k-9", category="other", note="x")
    with pytest.raises(XcmRefused) as refused:
        save_xcm(db.session, call.id, agent.id, "k-9", category="other", note="x")
    assert refused.value.code == "idempotency_key_reused"
    assert _count() == 1


def test_another_agents_call_is_not_found(ctx):
    signed_in_agent(db.session, at=T0)
    intruder = make_user(db.session, "agent2")
    call = answered_call(db.session, "0912345678", "1001", T0)
    with pytest.raises(XcmRefused) as refused:
        save_xcm(db.session, call.id, intruder.id, "k-1", category="other", note="x")
    assert refused.value.code == "not_found" and _count() == 0


def test_two_requests_racing_with_one_key_save_once(app):
    with app.app_context():
        agent, _ = signed_in_agent(db.session, at=T0)
        call_id, agent_id = answered_call(db.session, "0912345678", "1001", T0).id, agent.id
        db.session.commit()
    start = threading.Barrier(4)
    outcomes: list[bool] = []

    def save() -> None:
        with app.app_context():
            start.wait()
            saved = save_xcm(
                db.session, call_id, agent_id, "double-click", category="other", note="x"
            )
            db.session.commit()
            outcomes.append(saved.created)

    threads = [threading.Thread(target=save) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False, False, False, True]
    with app.app_context():
        assert _count() == 1
