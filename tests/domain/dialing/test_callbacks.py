"""Callbacks: booked in the lead's zone inside calling hours, then first to Get Lead when due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dialer.domain.campaigns import dispositions
from dialer.domain.dialing import callbacks
from dialer.domain.dialing import outbound as dialing
from dialer.domain.dialing.callbacks import CallbackRequest
from dialer.domain.dialing.outbound import Claimed
from dialer.domain.people import agents
from dialer.extensions import db
from dialer.models import DispositionKind, LeadStatus
from tests.domain.campaigns.test_dispositions import ended_call
from tests.factories.campaigns import MORNING, make_campaign
from tests.factories.leads import make_lead
from tests.factories.people import make_agent

SAIGON = ZoneInfo("Asia/Ho_Chi_Minh")  # MORNING is 10:00 there


@pytest.fixture
def booked_desk(ctx):
    """Two agents on a campaign with a "call back" disposition and one fresh lead waiting."""
    first, _ = make_agent(db.session)
    second, _ = make_agent(db.session, "agent2", "1002")
    campaign = make_campaign(db.session, agents=[first, second])
    call_back = dispositions.add_disposition(
        db.session, campaign, "Call back", "Gọi lại", DispositionKind.CALLBACK
    )
    return first, second, campaign, call_back


def book(user, campaign, call_back, local: datetime, *, is_for_me: bool):
    call, lead = ended_call(user, campaign, "+84912345670")
    dispositions.choose_disposition(
        db.session,
        user.id,
        call.id,
        call_back.id,
        MORNING,
        callback=CallbackRequest(local_at=local, is_for_me=is_for_me),
    )
    return lead


def get_lead(user, campaign, at) -> object:
    got = dialing.claim_next_lead(db.session, user.id, campaign.id, at)
    return got.lead if isinstance(got, Claimed) else got


def test_a_callback_outside_calling_hours_is_refused_with_the_next_allowed_time(
    booked_desk,
) -> None:
    first, _second, campaign, call_back = booked_desk
    with pytest.raises(callbacks.CallbackError) as refused:
        book(first, campaign, call_back, datetime(2026, 11, 24, 21, 30), is_for_me=True)
    assert refused.value.code == callbacks.CALLBACK_OUTSIDE_HOURS
    assert refused.value.params["until"] == datetime(2026, 11, 25, 8, 0, tzinfo=SAIGON)
    assert refused.value.params["zone"] == "Asia/Ho_Chi_Minh"


def test_a_callback_in_the_past_or_without_a_time_is_refused(booked_desk) -> None:
    first, _second, campaign, call_back = booked_desk
    with pytest.raises(callbacks.CallbackError) as refused:
        book(first, campaign, call_back, datetime(2026, 11, 24, 9, 0), is_for_me=True)
    assert refused.value.code == callbacks.CALLBACK_IN_THE_PAST
    call, _lead = ended_call(first, campaign, "+84912345671")
    with pytest.raises(callbacks.CallbackError) as refused:
        dispositions.choose_disposition(db.session, first.id, call.id, call_back.id, MORNING)
    assert refused.value.code == callbacks.CALLBACK_TIME_REQUIRED


def test_the_lead_comes_first_to_its_owner_when_due_and_not_to_others(booked_desk) -> None:
    first, second, campaign, call_back = booked_desk
    lead = book(first, campaign, call_back, datetime(2026, 11, 24, 15, 0), is_for_me=True)
    due = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # 15:00 in Saigon
    assert (lead.status, lead.next_call_at) == (LeadStatus.CALLBACK, due)
    waiting = make_lead(db.session, campaign, "+84912345672")
    assert get_lead(second, campaign, due + timedelta(minutes=1)) is waiting  # not the callback
    agents.release_claims(db.session, second.id)
    assert get_lead(first, campaign, due - timedelta(minutes=1)) is waiting  # not due yet
    agents.release_claims(db.session, first.id)
    assert get_lead(first, campaign, due) is lead  # due: before the fresh lead
    assert (lead.status, lead.claimed_by_id) == (LeadStatus.CLAIMED, first.id)


def test_a_callback_for_anyone_goes_to_the_first_agent_who_asks(booked_desk) -> None:
    first, second, campaign, call_back = booked_desk
    lead = book(first, campaign, call_back, datetime(2026, 11, 24, 15, 0), is_for_me=False)
    make_lead(db.session, campaign, "+84912345672")
    assert get_lead(second, campaign, datetime(2026, 11, 24, 8, 0, tzinfo=UTC)) is lead


def test_an_owner_signed_out_when_it_comes_due_hands_it_on_after_the_grace(booked_desk) -> None:
    first, second, campaign, call_back = booked_desk
    lead = book(first, campaign, call_back, datetime(2026, 11, 24, 15, 0), is_for_me=True)
    due = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    agents.sign_out(db.session, first, due - timedelta(minutes=5))
    fresh = make_lead(db.session, campaign, "+84912345672")
    assert get_lead(second, campaign, due + timedelta(minutes=5)) is fresh  # grace not over
    agents.release_claims(db.session, second.id)
    assert get_lead(second, campaign, due + callbacks.GRACE) is lead
    assert lead.claimed_by_id == second.id


def test_the_agent_sees_their_callbacks_due_today(booked_desk) -> None:
    first, second, campaign, call_back = booked_desk
    book(first, campaign, call_back, datetime(2026, 11, 24, 15, 0), is_for_me=True)
    today = callbacks.due_today(db.session, first.id, MORNING, SAIGON)
    assert [c.due_at for c in today] == [datetime(2026, 11, 24, 8, 0, tzinfo=UTC)]
    assert callbacks.due_today(db.session, second.id, MORNING, SAIGON) == []
    tomorrow = MORNING + timedelta(days=1)
    assert callbacks.due_today(db.session, first.id, tomorrow, SAIGON) == []
