"""Calling hours in the lead's zone, the blacklist, attempt caps, and why nothing is dialable."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dialer.domain.dialing import compliance
from dialer.domain.dialing.compliance import CallingHours
from dialer.extensions import db
from dialer.models import CampaignStatus, LeadStatus
from tests.factories.campaigns import MORNING, blacklist, make_campaign
from tests.factories.leads import make_lead

SAIGON = ZoneInfo("Asia/Ho_Chi_Minh")
WEEKDAYS = CallingHours(frozenset({1, 2, 3, 4, 5}), time(8, 0), time(20, 0))


def local(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SAIGON)


def test_the_window_includes_its_start_and_excludes_its_end() -> None:
    assert WEEKDAYS.is_open_at(local(2026, 11, 24, 8, 0))
    assert WEEKDAYS.is_open_at(local(2026, 11, 24, 19, 59))
    assert not WEEKDAYS.is_open_at(local(2026, 11, 24, 20, 0))
    assert not WEEKDAYS.is_open_at(local(2026, 11, 24, 7, 59))


def test_days_outside_the_campaign_days_are_closed() -> None:
    saturday = local(2026, 11, 28, 10, 0)
    assert saturday.isoweekday() == 6
    assert not WEEKDAYS.is_open_at(saturday)


def test_an_overnight_window_belongs_to_the_day_it_starts() -> None:
    nights = CallingHours(frozenset({5}), time(22, 0), time(2, 0))  # Friday night only
    assert nights.is_open_at(local(2026, 11, 27, 23, 0))  # Friday 23:00
    assert nights.is_open_at(local(2026, 11, 28, 1, 0))  # Saturday 01:00, still Friday's night
    assert not nights.is_open_at(local(2026, 11, 29, 1, 0))  # Sunday 01:00
    assert not nights.is_open_at(local(2026, 11, 27, 12, 0))


def test_a_window_starting_where_it_ends_is_the_whole_day() -> None:
    always = CallingHours(frozenset({2}), time(0, 0), time(0, 0))
    assert always.is_open_at(local(2026, 11, 24, 0, 0))
    assert always.is_open_at(local(2026, 11, 24, 23, 59, 59))
    assert not always.is_open_at(local(2026, 11, 25, 0, 0))


def test_the_next_opening_skips_closed_days() -> None:
    friday_evening = local(2026, 11, 27, 21, 0)
    assert WEEKDAYS.next_opening(SAIGON, friday_evening) == local(2026, 11, 30, 8, 0)
    early = local(2026, 11, 24, 6, 30)
    assert WEEKDAYS.next_opening(SAIGON, early) == local(2026, 11, 24, 8, 0)


def test_open_zones_follow_each_zones_clock() -> None:
    at = local(2026, 11, 24, 10, 0)  # 10:00 in Saigon, 03:00 UTC, 22:00 the day before in NY
    zones = compliance.open_zones(WEEKDAYS, at.astimezone(UTC))
    assert "Asia/Ho_Chi_Minh" in zones and "Asia/Bangkok" in zones
    assert "America/New_York" not in zones


def test_a_lead_in_another_zone_is_held_until_its_own_morning(ctx) -> None:
    campaign = make_campaign(db.session)
    lead = make_lead(db.session, campaign, timezone="America/New_York")
    refusal = compliance.check_lead(db.session, lead, campaign, MORNING)
    assert refusal is not None and refusal.code == compliance.OUTSIDE_CALLING_HOURS
    assert refusal.until == datetime(2026, 11, 24, 8, 0, tzinfo=ZoneInfo("America/New_York"))
    here = make_lead(db.session, campaign, "+84912345671")
    assert compliance.check_lead(db.session, here, campaign, MORNING) is None


def test_a_lead_with_an_unknown_zone_is_never_dialled(ctx) -> None:
    campaign = make_campaign(db.session)
    lead = make_lead(db.session, campaign, timezone="Mars/Olympus")
    refusal = compliance.check_lead(db.session, lead, campaign, MORNING)
    assert refusal is not None and refusal.code == compliance.OUTSIDE_CALLING_HOURS


def test_blacklist_and_attempt_cap_refuse_a_lead(ctx) -> None:
    campaign = make_campaign(db.session, max_attempts=2)
    tired = make_lead(db.session, campaign, "+84912345671", attempts=2)
    banned = make_lead(db.session, campaign, "+84912345672")
    blacklist(db.session, "+84912345672")
    assert compliance.check_lead(db.session, tired, campaign, MORNING).code == (
        compliance.MAX_ATTEMPTS_REACHED
    )
    assert compliance.check_lead(db.session, banned, campaign, MORNING).code == (
        compliance.BLACKLISTED
    )


def test_why_nothing_dialable_names_the_reason(ctx) -> None:
    campaign = make_campaign(db.session)
    assert compliance.why_nothing_dialable(db.session, campaign, MORNING).code == (
        compliance.NO_LEADS_LEFT
    )
    make_lead(db.session, campaign, status=LeadStatus.DONE)
    assert compliance.why_nothing_dialable(db.session, campaign, MORNING).code == (
        compliance.NO_LEADS_LEFT
    )
    later = MORNING + timedelta(minutes=45)
    make_lead(
        db.session,
        campaign,
        "+84912345671",
        status=LeadStatus.RETRY,
        attempts=1,
        next_call_at=later,
    )
    refusal = compliance.why_nothing_dialable(db.session, campaign, MORNING)
    assert (refusal.code, refusal.until) == (compliance.NEXT_RETRY_LATER, later)

    night = datetime(2026, 11, 24, 23, 30, tzinfo=SAIGON)
    refusal = compliance.why_nothing_dialable(db.session, campaign, night)
    assert refusal.code == compliance.OUTSIDE_CALLING_HOURS
    assert refusal.until == datetime(2026, 11, 25, 8, 0, tzinfo=SAIGON)

    campaign.status = CampaignStatus.PAUSED
    assert compliance.why_nothing_dialable(db.session, campaign, MORNING).code == (
        compliance.CAMPAIGN_NOT_RUNNING
    )


def test_leads_held_by_other_agents_are_reported_as_held(ctx) -> None:
    campaign = make_campaign(db.session)
    make_lead(db.session, campaign, status=LeadStatus.CLAIMED)
    assert compliance.why_nothing_dialable(db.session, campaign, MORNING).code == (
        compliance.ALL_LEADS_HELD
    )
