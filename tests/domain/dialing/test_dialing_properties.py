"""Property: whatever the outcomes and the clock, attempts never pass the cap and no lead is
called before its retry time or outside its calling hours."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialer.domain.dialing import outbound as dialing
from dialer.domain.dialing.compliance import CallingHours, Refusal
from dialer.domain.dialing.events import apply_port_event
from dialer.domain.dialing.outbound import Claimed
from dialer.extensions import db
from dialer.models import LeadStatus
from dialer.telephony.port import CallConnected, CallEnded, Party
from tests.factories.campaigns import MORNING, make_campaign
from tests.factories.leads import make_lead
from tests.factories.people import make_agent

OUTCOMES = ["ANSWER", "BUSY", "NOANSWER", "CANCEL", "FAIL"]
TIMEOUTS = {"ring_timeout_s": 30, "dial_timeout_s": 30}

steps = st.lists(
    st.tuples(st.integers(min_value=0, max_value=24 * 60), st.sampled_from(OUTCOMES)),
    min_size=1,
    max_size=12,
)
retry_rules = st.fixed_dictionaries(
    {status: st.integers(min_value=0, max_value=180) for status in OUTCOMES if status != "ANSWER"}
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    max_attempts=st.integers(min_value=1, max_value=5),
    rules=retry_rules,
    leads=st.integers(min_value=1, max_value=3),
    script=steps,
)
def test_attempts_and_retry_times_hold_for_any_outcome_sequence(
    ctx, max_attempts: int, rules: dict[str, int], leads: int, script: list[tuple[int, str]]
) -> None:
    try:
        user, _ = make_agent(db.session)
        campaign = make_campaign(
            db.session, agents=[user], max_attempts=max_attempts, retry_minutes=rules
        )
        for i in range(leads):
            make_lead(db.session, campaign, f"+8491234567{i}")
        hours, zone = CallingHours.of(campaign), ZoneInfo(campaign.timezone)
        now = MORNING
        for minutes, outcome in script:
            now += timedelta(minutes=minutes)
            got = dialing.claim_next_lead(db.session, user.id, campaign.id, now)
            if isinstance(got, Refusal):
                continue
            assert isinstance(got, Claimed)
            lead = got.lead
            assert hours.is_open_at(now.astimezone(zone))
            assert lead.attempts < max_attempts
            assert lead.next_call_at is None or lead.next_call_at <= now
            call, _ = dialing.start_call(db.session, user.id, now, lead_id=lead.id)
            dialing.prepare_originate(db.session, call.id, now, **TIMEOUTS)
            if outcome == "ANSWER":
                apply_port_event(db.session, CallConnected(at=now, call_uid=call.call_uid))
            apply_port_event(
                db.session,
                CallEnded(
                    at=now,
                    call_uid=call.call_uid,
                    status=outcome,
                    cause=16,
                    hung_up_by=Party.CUSTOMER,
                ),
            )
            assert lead.attempts <= max_attempts
            if lead.status == LeadStatus.RETRY:
                assert lead.next_call_at == now + timedelta(minutes=rules[outcome])
            else:
                assert lead.status == LeadStatus.DONE
                assert outcome == "ANSWER" or lead.attempts == max_attempts
    finally:
        db.session.rollback()
