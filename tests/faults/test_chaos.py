"""A campaign worked by ten agents while every moving part is killed or cut, one at a time.

The real processes (gunicorn, the calls worker, a default worker, the AMI
listener, the PBX simulator, a redis-server of its own) run as separate OS
processes on the run's database. Ten simulated desktops work a campaign of
several hundred calls through the JSON API while the suite kills -9 and
restarts the calls worker, the listener, the PBX and Redis, and drops and
half-opens the listener's AMI connection. At the end: every call ended in one
outcome, no customer dialled twice at once or without an attempt counted, no
lead lost or left held, every agent at rest with nothing up at the PBX.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import time as clock
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from dialer.extensions import db
from dialer.models import (
    AgentSession,
    AgentState,
    Call,
    CallState,
    CallStatus,
    Lead,
    LeadStatus,
)
from dialer.telephony.ami.adapter import AmiAdapter
from dialer.telephony.ami.settings import settings_from_config
from tests.factories.campaigns import make_campaign, make_yes_no_survey
from tests.factories.leads import make_lead
from tests.factories.people import AGENT_PASSWORD, make_agent, make_pause_reason
from tests.support.deployment import Deployment
from tests.support.desktop import Desktop, Floor
from tests.support.waiting import wait_until

AGENTS = 10
CALLS = 300
LEADS = 260
MAX_ATTEMPTS = 3
SPEED = 0.02  # every PBX timing fifty times shorter
RUN_S = 300  # no new lead after this, whatever happened (a run takes 2-3 minutes)
RECOVERY_S = 60
# The first fault once this many calls were placed, the next ones this many calls apart.
FIRST_FAULT_AT, FAULT_EVERY = 25, 40
# After a fault, the floor has recovered once this many more calls are placed.
RECOVERED_AFTER = 10
# How the stale-call sweep closes a call marked sent that the PBX never spoke of.
STALE_CAUSE = "no answer from the PBX"
# The desktops stopped: Ready, or paused as "disconnected" once their heartbeats stopped.
AT_REST = (AgentState.READY, AgentState.PAUSED)
OUTBOUND = {CallStatus.ANSWER, CallStatus.BUSY, CallStatus.NOANSWER, CallStatus.CANCEL}
SETTINGS = {
    # The sweep every second; the PBX declared lost a second after the listener loses it.
    "DIALER_HEARTBEAT_TIMEOUT_S": "6",
    "DIALER_PBX_DOWN_GRACE_S": "1",
    # A call a killed worker marked sent but never sent frees its agent after 20 s.
    "DIALER_STALE_CALL_S": "20",
    # A half-open link is noticed within 1.5 s (a ping unanswered for a second).
    "AMI_PING_INTERVAL": "0.5",
    "AMI_RESPONSE_TIMEOUT": "1",
    "AMI_CONNECT_TIMEOUT": "1",
    "AMI_HOST": "127.0.0.1",
}

pytestmark = pytest.mark.timeout(600)


def _campaign(app: Flask) -> int:
    """Ten agents on a running campaign whose leads are due again at once after each outcome.

    Lead ``i``'s number ends in ``i % 10``: the simulator's outcome for that digit
    (README), so every outcome, the agent's hang-up of an endless talker included, comes up.
    """
    with app.app_context():
        agents = [
            make_agent(db.session, f"agent{n}", str(1000 + n), signed_in=False)[0]
            for n in range(1, AGENTS + 1)
        ]
        make_pause_reason(db.session, "disconnected", "Disconnected", is_system=True)
        campaign = make_campaign(
            db.session,
            agents=agents,
            survey=make_yes_no_survey(db.session, questions=1),
            call_start=clock(0, 0),
            call_end=clock(23, 59),
            max_attempts=MAX_ATTEMPTS,
            retry_minutes={str(status): 0 for status in (*OUTBOUND, CallStatus.FAIL)},
        )
        for i in range(LEADS):
            make_lead(db.session, campaign, f"+849{i:07d}{i % 10}")
        db.session.commit()
        return campaign.id


@pytest.fixture
def deployment(app: Flask, migrated, instance_dir: Path, tmp_path: Path):
    running = Deployment(
        tmp_path,
        database_url=migrated.database_url,
        instance=instance_dir,
        ami_login=(app.config["AMI_USERNAME"], app.config["AMI_SECRET"]),
        speed=SPEED,
        settings=SETTINGS,
    )
    try:
        yield running.start()
    except BaseException:
        for process in running.processes:
            print(f"===== {process.name} =====\n{process.tail()}")
        raise
    finally:
        running.stop()


def test_a_campaign_survives_every_part_killed_or_cut_one_at_a_time(
    app: Flask, deployment: Deployment
) -> None:
    campaign_id = _campaign(app)
    began = time.monotonic()
    floor = Floor(calls_wanted=CALLS, deadline=time.monotonic() + RUN_S)
    desktops = [
        Desktop(
            deployment.url, f"agent{n}", AGENT_PASSWORD, str(1000 + n), campaign_id, floor
        ).start()
        for n in range(1, AGENTS + 1)
    ]
    done: list[str] = []
    timeline: list[str] = []
    try:
        for k, (name, inflict) in enumerate(deployment.faults().items()):
            wanted = FIRST_FAULT_AT + k * FAULT_EVERY
            wait_until(
                lambda wanted=wanted: floor.calls_placed >= wanted,
                timeout=RUN_S,
                message=f"{wanted} calls placed",
            )
            placed, started = floor.calls_placed, time.monotonic()
            deployment.inflict(inflict)
            back = time.monotonic()
            wait_until(
                lambda placed=placed: floor.calls_placed >= placed + RECOVERED_AFTER,
                timeout=RECOVERY_S,
                message=f"calls placed again after {name}",
            )
            done.append(name)
            timeline.append(
                f"{name} at call {placed}: back in {back - started:.1f} s,"
                f" {RECOVERED_AFTER} more calls {time.monotonic() - back:.1f} s later"
            )
        for desktop in desktops:
            desktop.join(timeout=RUN_S + 60)
    except BaseException:
        _explain(deployment, floor, desktops, timeline)
        raise
    finally:
        floor.stop.set()
    _settle(app)
    _report(app, deployment, floor, timeline, time.monotonic() - began)

    assert floor.calls_placed >= CALLS
    assert done == list(deployment.faults()), "every fault was inflicted and recovered from"
    _assert_every_call_ended_once(app)
    _assert_the_pbx_agrees(app, deployment)
    _assert_leads(app)
    _assert_agents(app, deployment)
    assert floor.surprises == [], "the desktops saw a server error or an unexpected state"


def _explain(
    deployment: Deployment, floor: Floor, desktops: list[Desktop], timeline: list[str]
) -> None:
    """What a failed run looked like: the floor, each desktop, each process's last lines."""
    print(f"\ncalls placed: {floor.calls_placed}; faults:", *timeline, sep="\n  ")
    print(f"answers: {dict(floor.answers)}; refusals: {dict(floor.refusals)}")
    print(f"exited by themselves: {deployment.exits}")
    print("surprises:", *floor.surprises[:20], sep="\n  ")
    print("no answer:", *floor.lost[:5], sep="\n  ")
    for desktop in desktops:
        print(f"{desktop.username}: {len(desktop.calls)} calls, error {desktop.error!r}")
    for process in deployment.processes:
        print(f"===== {process.name} (pid {process.pid}) =====\n{process.tail()}")


def _settle(app: Flask) -> None:
    """Wait until the product believes no call is up (bounded)."""

    def quiet() -> bool:
        with app.app_context():
            up = db.session.scalar(
                select(func.count()).select_from(Call).where(Call.state != CallState.ENDED)
            )
            db.session.remove()
            return up == 0

    wait_until(quiet, timeout=30, message="every call to have ended")


def _report(
    app: Flask, deployment: Deployment, floor: Floor, timeline: list[str], seconds: float
) -> None:
    with app.app_context():
        statuses = Counter(
            dict(db.session.execute(select(Call.status, func.count()).group_by(Call.status)).all())
        )
        leads = Counter(
            dict(db.session.execute(select(Lead.status, func.count()).group_by(Lead.status)).all())
        )
        estimated = db.session.scalar(
            select(func.count()).select_from(Call).where(Call.ended_estimated)
        )
        db.session.remove()
    print(
        f"\nchaos: {floor.calls_placed} calls placed by {AGENTS} agents in {seconds:.0f} s"
        f"\n  calls by status: {dict(sorted(statuses.items(), key=str))}"
        f" ({estimated} with an estimated end)"
        f"\n  leads by status: {dict(sorted(leads.items()))}"
        f"\n  faults inflicted and recovered from ({len(timeline)}):"
        + "".join(f"\n    {line}" for line in timeline)
        + f"\n  process starts: { {p.name: p.starts for p in deployment.processes} }"
        f"\n  exited by themselves, restarted: {', '.join(deployment.exits) or 'none'}"
        f"\n  originates sent: {len(deployment.originates.sent)};"
        f" customers dialled (PBX record): {len(deployment.watch.dials)}"
        f"\n  HTTP answers: {dict(sorted(floor.answers.items()))}"
        f"\n  refusals: {dict(sorted(floor.refusals.items()))}"
    )


def _assert_every_call_ended_once(app: Flask) -> None:
    with app.app_context():
        calls = db.session.scalars(select(Call)).all()
        wrong = [
            (c.id, c.state, c.status, c.ended_at)
            for c in calls
            if c.state != CallState.ENDED
            or c.ended_at is None
            or c.status not in {*OUTBOUND, CallStatus.FAIL}
        ]
        db.session.remove()
    assert wrong == [], "calls not ended in one outbound outcome"


def _leads_and_calls(app: Flask) -> tuple[dict[int, Lead], dict[int, list[Call]]]:
    with app.app_context():
        leads = {lead.id: lead for lead in db.session.scalars(select(Lead))}
        calls: dict[int, list[Call]] = {}
        for call in db.session.scalars(select(Call).order_by(Call.id)):
            calls.setdefault(call.lead_id, []).append(call)
        db.session.expunge_all()
        db.session.remove()
    return leads, calls


def _assert_the_pbx_agrees(app: Flask, deployment: Deployment) -> None:
    """One Originate per call; each customer dialled one call at a time, each dial an attempt."""
    leads, calls = _leads_and_calls(app)
    sent = deployment.originates.times_sent()
    uids = {call.call_uid: call for lead_calls in calls.values() for call in lead_calls}
    assert {uid: n for uid, n in sent.items() if n != 1} == {}, "a call was originated twice"
    assert set(sent) <= set(uids), "an Originate for no call of ours"
    dials: dict[str, list] = {}
    for dial in deployment.watch.dials:
        dials.setdefault(dial.number, []).append(dial)
    overlapping, uncounted, unsent = [], [], []
    for lead in leads.values():
        number = lead.phone.lstrip("+")
        mine = sorted(dials.get(number, []), key=lambda d: d.started)
        for before, after in zip(mine, mine[1:], strict=False):
            if before.ended is None or after.started < before.ended:
                overlapping.append(lead.id)
        # A call marked sent whose worker died before the Originate left is closed by the
        # stale sweep none the wiser: it counts, as the product cannot tell it from one sent.
        originated = sum(
            1
            for call in calls.get(lead.id, [])
            if call.call_uid in sent or call.hangup_cause_text == STALE_CAUSE
        )
        if len(mine) > lead.attempts:
            uncounted.append((lead.id, len(mine), lead.attempts))
        if lead.attempts > originated:
            unsent.append((lead.id, lead.attempts, originated))

    def story(found: list) -> str:
        lead_ids = {entry if isinstance(entry, int) else entry[0] for entry in found}
        return "; ".join(
            f"lead {lead_id}: "
            + ", ".join(
                f"call {c.id} {c.status} {c.hangup_cause_text!r} leg={c.agent_leg}"
                f" sent={c.call_uid in sent} est={c.ended_estimated}"
                for c in calls.get(lead_id, [])
            )
            for lead_id in sorted(lead_ids)
        )

    assert overlapping == [], f"a customer was dialled twice at once: {story(overlapping)}"
    assert uncounted == [], (
        f"a customer was dialled without an attempt counted {uncounted}: {story(uncounted)}"
    )
    assert unsent == [], f"an attempt counted for a call never sent {unsent}: {story(unsent)}"
    assert deployment.watch.open_dials() == 0, "the PBX still has a customer on the line"


def _assert_leads(app: Flask) -> None:
    """None held or lost; each lead's status follows from its attempts and last outcome."""
    leads, _calls = _leads_and_calls(app)
    assert len(leads) == LEADS
    wrong = []
    for lead in leads.values():
        expected = (
            LeadStatus.NEW
            if lead.attempts == 0
            else LeadStatus.DONE
            if lead.last_status == CallStatus.ANSWER or lead.attempts >= MAX_ATTEMPTS
            else LeadStatus.RETRY
        )
        if (
            lead.status != expected
            or lead.claimed_by_id is not None
            or lead.attempts > MAX_ATTEMPTS
        ):
            wrong.append(
                (lead.id, lead.status, lead.attempts, lead.last_status, lead.claimed_by_id)
            )
    assert wrong == [], "leads held, lost or counted wrong (id, status, attempts, last, holder)"


def _assert_agents(app: Flask, deployment: Deployment) -> None:
    """Every agent signed in, at rest with no call up, and the PBX has nothing for them."""
    with app.app_context():
        sessions = db.session.scalars(
            select(AgentSession).where(AgentSession.logout_at.is_(None))
        ).all()
        states = {
            s.extension.number: (
                s.state,
                None
                if s.current_call_id is None
                else db.session.get(Call, s.current_call_id).state,
            )
            for s in sessions
        }
        db.session.remove()
    assert len(states) == AGENTS
    assert {
        ext: found
        for ext, found in states.items()
        if found[0] not in AT_REST or found[1] not in (None, CallState.ENDED)
    } == {}, "agents on a call, or with a call up"
    adapter = AmiAdapter(settings_from_config({**app.config, "AMI_PORT": deployment.pbx_port}))
    try:
        live = adapter.live_channels()
    finally:
        adapter.close()
    assert live == [], "the PBX still has channels up"
