"""Dispositions: the manager's list per campaign, and what the agent's pick does to the lead."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from dialer.domain.campaigns import dispositions
from dialer.domain.dialing import outbound as dialing
from dialer.domain.dialing.events import apply_port_event
from dialer.extensions import db
from dialer.models import BlacklistNumber, DispositionKind, LeadStatus
from dialer.telephony.port import CallConnected, CallEnded, Party
from tests.factories.campaigns import MORNING, make_campaign
from tests.factories.leads import make_lead
from tests.factories.people import make_agent


def ended_call(user, campaign, phone: str = "+84912345670", status: str = "ANSWER"):
    """A call of ``user`` to a new lead of ``campaign``, over with ``status``: (call, lead)."""
    lead = make_lead(db.session, campaign, phone)
    dialing.claim_next_lead(db.session, user.id, campaign.id, MORNING)
    call, _ = dialing.start_call(db.session, user.id, MORNING, lead_id=lead.id)
    dialing.prepare_originate(db.session, call.id, MORNING, ring_timeout_s=30, dial_timeout_s=30)
    if status == "ANSWER":
        apply_port_event(db.session, CallConnected(at=MORNING, call_uid=call.call_uid))
    apply_port_event(
        db.session,
        CallEnded(
            at=MORNING, call_uid=call.call_uid, status=status, cause=16, hung_up_by=Party.CUSTOMER
        ),
    )
    return call, lead


@pytest.fixture
def desk(ctx):
    user, _ = make_agent(db.session)
    campaign = make_campaign(db.session, agents=[user])
    made = {
        kind: dispositions.add_disposition(db.session, campaign, name, name_vi, kind)
        for kind, name, name_vi in [
            (DispositionKind.FINAL, "Interested", "Quan tâm"),
            (DispositionKind.RETRY, "Try later", "Gọi lại sau"),
            (DispositionKind.DO_NOT_CALL, "Do not call", "Không gọi nữa"),
        ]
    }
    return user, campaign, made


def test_the_list_keeps_the_managers_order_and_names_once(desk) -> None:
    _user, campaign, made = desk
    assert [d.name for d in dispositions.campaign_dispositions(db.session, campaign.id)] == [
        "Interested",
        "Try later",
        "Do not call",
    ]
    with pytest.raises(dispositions.DispositionError) as refused:
        dispositions.add_disposition(db.session, campaign, " Interested ", "", "final")
    assert refused.value.code == dispositions.NAME_TAKEN
    with pytest.raises(dispositions.DispositionError) as refused:
        dispositions.add_disposition(db.session, campaign, "Odd", "", "maybe")
    assert refused.value.code == dispositions.UNKNOWN_KIND
    with pytest.raises(dispositions.DispositionError) as refused:
        dispositions.add_disposition(db.session, campaign, "  ", "", "final")
    assert refused.value.code == dispositions.NAME_REQUIRED
    dispositions.retire_disposition(db.session, campaign.id, made[DispositionKind.RETRY].id)
    names = [d.name for d in dispositions.campaign_dispositions(db.session, campaign.id)]
    assert names == ["Interested", "Do not call"]


def test_a_final_disposition_finishes_the_lead_and_is_stored_on_the_call(desk) -> None:
    user, campaign, made = desk
    call, lead = ended_call(user, campaign, status="BUSY")
    assert lead.status == LeadStatus.RETRY
    chosen = made[DispositionKind.FINAL]
    dispositions.choose_disposition(db.session, user.id, call.id, chosen.id, MORNING)
    assert call.disposition_id == chosen.id
    assert (lead.status, lead.next_call_at) == (LeadStatus.DONE, None)
    # A double click changes nothing; another choice is refused.
    assert dispositions.choose_disposition(db.session, user.id, call.id, chosen.id, MORNING) == []
    with pytest.raises(dispositions.DispositionError) as refused:
        dispositions.choose_disposition(
            db.session, user.id, call.id, made[DispositionKind.RETRY].id, MORNING
        )
    assert refused.value.code == dispositions.ALREADY_DISPOSED


def test_a_retry_disposition_brings_an_answered_lead_back_by_the_campaign_rules(desk) -> None:
    user, campaign, made = desk
    call, lead = ended_call(user, campaign)
    assert lead.status == LeadStatus.DONE
    dispositions.choose_disposition(
        db.session, user.id, call.id, made[DispositionKind.RETRY].id, MORNING
    )
    assert lead.status == LeadStatus.RETRY
    assert lead.next_call_at == MORNING + timedelta(minutes=dialing_retry(campaign, "ANSWER"))


def dialing_retry(campaign, status: str) -> int:
    from dialer.domain.dialing.calls import retry_minutes

    return retry_minutes(campaign, status)


def test_do_not_call_blacklists_the_number_with_the_agent_as_source(desk) -> None:
    user, campaign, made = desk
    call, lead = ended_call(user, campaign, "+84912345679")
    dispositions.choose_disposition(
        db.session, user.id, call.id, made[DispositionKind.DO_NOT_CALL].id, MORNING
    )
    entry = db.session.scalar(
        select(BlacklistNumber).where(BlacklistNumber.phone == "+84912345679")
    )
    assert entry is not None and entry.added_by_id == user.id
    assert entry.reason == "Do not call"
    assert lead.status == LeadStatus.DONE


def test_a_disposition_waits_for_the_end_of_the_call_and_the_agents_own_call(desk) -> None:
    user, campaign, made = desk
    lead = make_lead(db.session, campaign, "+84912345674")
    dialing.claim_next_lead(db.session, user.id, campaign.id, MORNING)
    call, _ = dialing.start_call(db.session, user.id, MORNING, lead_id=lead.id)
    final = made[DispositionKind.FINAL].id
    with pytest.raises(dispositions.DispositionError) as refused:
        dispositions.choose_disposition(db.session, user.id, call.id, final, MORNING)
    assert refused.value.code == dispositions.CALL_NOT_OVER
    other, _ = make_agent(db.session, "agent2", "1002")
    with pytest.raises(dispositions.DispositionError) as refused:
        dispositions.choose_disposition(db.session, other.id, call.id, final, MORNING)
    assert refused.value.code == dispositions.UNKNOWN_CALL
    elsewhere = make_campaign(db.session, "Other", agents=[user])
    foreign = dispositions.add_disposition(db.session, elsewhere, "Interested", "", "final")
    apply_port_event(
        db.session, CallEnded(at=MORNING, call_uid=call.call_uid, status="BUSY", cause=17)
    )
    with pytest.raises(dispositions.DispositionError) as refused:
        dispositions.choose_disposition(db.session, user.id, call.id, foreign.id, MORNING)
    assert refused.value.code == dispositions.UNKNOWN_DISPOSITION
    assert call.disposition_id is None
