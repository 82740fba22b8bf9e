"""A campaign's running totals against a full count of its rows, after a real day of work."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, timedelta
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from dialer.domain.campaigns import answers as survey_answers
from dialer.domain.dialing import outbound as dialing
from dialer.domain.leads import manage
from dialer.domain.leads.imports import run_import
from dialer.domain.leads.terms import FileLimits
from dialer.domain.people import agents
from dialer.domain.reports import counters, dashboard
from dialer.extensions import db
from dialer.models import Call, CampaignCounter, ImportStatus, Lead, LeadStatus, SurveyResponse
from tests.domain.reports.test_dashboard import ZONE, place_call
from tests.factories.campaigns import MORNING, make_campaign, standard_survey
from tests.factories.leads import make_lead, queued_import, write_csv
from tests.factories.people import make_agent


def full_count(campaign_id: int) -> tuple[dict[str, int], dict]:
    """The campaign's totals counted from every row, without the counters' code."""
    leads = db.session.scalars(select(Lead).where(Lead.campaign_id == campaign_id)).all()
    kept = [lead for lead in leads if lead.status != LeadStatus.REMOVED]
    totals: Counter = Counter()
    for lead in leads:
        waiting = lead.status in (LeadStatus.NEW, LeadStatus.RETRY)
        totals["leads:" + ("waiting" if waiting else lead.status)] += 1
    totals["leads"] = len(kept)
    totals["leads_dialled"] = sum(1 for lead in kept if lead.attempts > 0)
    totals["lead_attempts"] = sum(lead.attempts for lead in kept)
    calls = db.session.scalars(select(Call).where(Call.campaign_id == campaign_id)).all()
    totals.update("calls:" + call.status for call in calls if call.status)
    totals["surveys"] = len(
        db.session.scalars(
            select(SurveyResponse.id).where(SurveyResponse.campaign_id == campaign_id)
        ).all()
    )
    hours = Counter(
        call.created_at.astimezone(UTC).replace(minute=0, second=0, microsecond=0) for call in calls
    )
    return {k: v for k, v in totals.items() if v}, dict(hours)


def kept_totals(campaign_id: int) -> tuple[dict[str, int], dict]:
    """What the counters say, as the dashboard reads them."""
    named = {k: v for k, v in counters.counters(db.session, campaign_id).items() if v}
    start, end = MORNING - timedelta(days=2), MORNING + timedelta(days=2)
    hours = counters.hourly_calls(db.session, campaign_id, start, end)
    return named, {k: v for k, v in hours.items() if v}


def test_the_counters_equal_a_full_count_after_a_day_of_work(ctx, tmp_path: Path) -> None:
    one, _ = make_agent(db.session, "agent1", "1001")
    two, _ = make_agent(db.session, "agent2", "1002")
    survey = standard_survey(db.session)
    campaign = make_campaign(db.session, agents=[one, two], survey=survey)
    db.session.commit()
    # Morning: a list is imported (two lines refused: a duplicate and a bad number)...
    lines = ["phone,first_name"] + [f"09123456{i:02d},Khách {i}" for i in range(8)]
    lines += ["0912345600,Again", "not a number,Bad"]
    run_import(
        db.session, queued_import(db.session, campaign, write_csv(tmp_path / "a.csv", lines)).id
    )
    # ... a second file fails half way (too many rows): its stored chunks are discarded.
    big = ["phone"] + [f"09877766{i:02d}" for i in range(9)]
    failed = run_import(
        db.session,
        queued_import(db.session, campaign, write_csv(tmp_path / "b.csv", big)).id,
        limits=FileLimits(max_rows=6),
        chunk_rows=2,
    )
    assert failed.status == ImportStatus.FAILED
    make_lead(db.session, campaign, "+84988000001")  # typed in by hand
    db.session.commit()
    # The day's calls, over several hours, one transaction each as the PBX events come.
    at = MORNING
    rating, yes_no, *_rest = [q.id for q in survey.questions]
    for hour, status in enumerate(["ANSWER", "BUSY", "NOANSWER", "ANSWER", "FAIL", "BUSY"]):
        at = MORNING + timedelta(hours=hour, minutes=7)
        agent = one if hour % 2 == 0 else two
        call_id, _ = place_call(agent.id, campaign.id, status, at)
        if status == "ANSWER":
            survey_answers.save_answers(
                db.session, agent.id, call_id, f"k{hour}", {str(rating): "4", str(yes_no): "no"}, at
            )
        db.session.commit()
    # A claim that rolls back leaves nothing behind.
    dialing.claim_next_lead(db.session, one.id, campaign.id, at)
    db.session.rollback()
    # The manager resets the busy lead and removes another; an agent signs out holding one.
    busy = db.session.scalars(select(Lead).where(Lead.last_status == "BUSY")).first()
    manage.reset_lead(db.session, busy, actor_id=None)
    waiting = db.session.scalars(select(Lead).where(Lead.status == LeadStatus.NEW)).first()
    manage.remove_lead(db.session, waiting, actor_id=None)
    db.session.commit()
    dialing.claim_next_lead(db.session, two.id, campaign.id, at + timedelta(minutes=1))
    db.session.commit()
    agents.sign_out(db.session, two, at + timedelta(minutes=2))
    dialing.claim_next_lead(db.session, one.id, campaign.id, at + timedelta(minutes=3))
    db.session.commit()  # agent1 keeps this one: held

    db.session.expire_all()
    counted, counted_hours = full_count(campaign.id)
    assert counted["leads:claimed"] == 1 and counted["leads:removed"] == 1
    assert counted["leads"] == 8 + 1 - 1  # imported, typed, removed; the failed file left none
    assert kept_totals(campaign.id) == (counted, counted_hours)
    figures = dashboard.campaign_dashboard(db.session, campaign, MORNING.date(), ZONE, at)
    assert figures["leads"]["held"] == 1 and figures["surveys"] == 2
    assert sum(figures["calls_per_hour"]) == 6
    # Rebuilt from the rows, the totals do not move.
    counters.recount(db.session, [campaign.id])
    db.session.commit()
    assert kept_totals(campaign.id) == (counted, counted_hours)


def test_uncommitted_changes_count_only_for_their_own_transaction(ctx) -> None:
    campaign = make_campaign(db.session)
    make_lead(db.session, campaign, "+84988000001")
    db.session.commit()
    lead = make_lead(db.session, campaign, "+84988000002")
    assert counters.counters(db.session, campaign.id)["leads"] == 2
    db.session.rollback()
    assert counters.counters(db.session, campaign.id)["leads"] == 1
    stored = db.session.scalars(
        select(CampaignCounter.value).where(CampaignCounter.name == "leads")
    )
    assert list(stored) == [1]
    assert lead not in db.session


def test_recount_rebuilds_totals_lost_and_names_an_unknown_campaign(ctx) -> None:
    campaign = make_campaign(db.session)
    for i in range(3):
        make_lead(db.session, campaign, f"+8498800000{i}")
    db.session.commit()
    db.session.execute(CampaignCounter.__table__.delete())  # totals lost (or never kept)
    db.session.commit()
    assert counters.counters(db.session, campaign.id) == {}
    runner = CliRunner()
    result = runner.invoke(ctx.cli, ["campaigns", "recount"])
    assert result.exit_code == 0, result.output
    assert "recounted every campaign" in result.output
    assert counters.counters(db.session, campaign.id)["leads"] == 3
    refused = runner.invoke(ctx.cli, ["campaigns", "recount", "404404"])
    assert refused.exit_code != 0 and "no campaign 404404" in refused.output
    assert "Traceback" not in refused.output
