"""Predictive dialing through the real parts: the pacer, AMI over TCP, the simulator's queue
and its abandon message, the listener, the database.

The listener fixture runs ``flask ami-listener``'s code, whose Pacer dials the
campaign; the simulator's numbers answer by their last digit (7: answers at once
and talks 30 s, 1: busy, 2: never answers).
"""

from __future__ import annotations

from datetime import time

import pytest
from flask import Flask
from sqlalchemy import func, select

from dialer.domain.pacing import figures
from dialer.extensions import db
from dialer.models import (
    AmdAction,
    Call,
    CallState,
    CallStatus,
    Campaign,
    DialMode,
    Lead,
    LeadStatus,
    utcnow,
)
from dialer.telephony.simulator.pbx import PbxSimulator
from tests.factories.campaigns import make_campaign
from tests.factories.leads import make_lead
from tests.factories.people import make_agent
from tests.support.waiting import wait_until
from tests.telephony.transcripts import AmiRecorder

ALL_DAY = {"call_start": time(0, 0), "call_end": time(23, 59, 59), "call_days": "1234567"}


@pytest.fixture
def fast_pacing(app: Flask) -> Flask:
    app.config.update(DIALER_PACING_TICK_S=0.2, DIALER_HEARTBEAT_TIMEOUT_S=3600)
    return app


def _predictive_desk(
    app: Flask, numbers: list[str], *, agents: int = 1, queues: tuple[str, ...] = ("support",)
) -> tuple[int, list[int]]:
    with app.app_context():
        users = [
            make_agent(db.session, f"agent{i}", f"100{i}", now=utcnow(), queues=queues)[0]
            for i in range(1, agents + 1)
        ]
        campaign = make_campaign(
            db.session, agents=users, dial_mode=DialMode.PREDICTIVE, timezone="UTC", **ALL_DAY
        )
        for number in numbers:
            make_lead(db.session, campaign, number)
        db.session.commit()
        return campaign.id, [user.id for user in users]


def _calls(app: Flask, campaign_id: int) -> list[Call]:
    with app.app_context():
        found = list(
            db.session.scalars(
                select(Call).where(Call.campaign_id == campaign_id).order_by(Call.id)
            )
        )
        db.session.expunge_all()
        return found


def _all_ended(app: Flask, campaign_id: int, count: int) -> list[Call]:
    calls = _calls(app, campaign_id)
    done = [c for c in calls if c.state == CallState.ENDED]
    return calls if len(calls) >= count and len(done) == len(calls) else []


def test_the_pacer_dials_and_the_queue_gives_the_answered_customer_to_the_agent(
    app, fast_pacing, pbx, listener
) -> None:
    campaign_id, [agent_id] = _predictive_desk(app, ["+84912345677", "+84912345671"])

    calls = wait_until(lambda: _all_ended(app, campaign_id, 2), timeout=30, message="both dialled")

    by_number = {call.customer_number: call for call in calls}
    answered, busy = by_number["+84912345677"], by_number["+84912345671"]
    assert (answered.status, answered.agent_id, answered.extension) == ("ANSWER", agent_id, "1001")
    assert answered.talk_s > 0
    assert busy.status == CallStatus.BUSY
    with app.app_context():
        statuses = dict(db.session.execute(select(Lead.phone, Lead.status)).all())
    assert statuses == {"+84912345677": LeadStatus.DONE, "+84912345671": LeadStatus.RETRY}


@pytest.fixture
def pbx_without_members(app: Flask) -> object:
    from dialer.telephony.provider import close_port
    from tests.support.pbx import start_simulator

    simulator = start_simulator(app, 0.05, static_members=False)
    yield simulator
    close_port()
    simulator.stop()


@pytest.fixture
def listener_without_members(app: Flask, fast_pacing, pbx_without_members: object) -> object:
    from tests.support.pbx import ListenerThread

    running = ListenerThread(app).start()
    yield running
    running.stop()


def test_a_customer_no_agent_takes_in_two_seconds_hears_the_message_and_is_abandon(
    app, pbx_without_members: PbxSimulator, listener_without_members
) -> None:
    with AmiRecorder(app.config["AMI_PORT"]) as ami:
        ami.login(app.config["AMI_USERNAME"], app.config["AMI_SECRET"])
        # The agent is Ready on our side but a member of no queue, so the listener's
        # membership sync puts no phone in the PBX queue: nobody can take the call.
        campaign_id, _ = _predictive_desk(app, ["+84912345677"], queues=())

        [call] = wait_until(
            lambda: _all_ended(app, campaign_id, 1), timeout=30, message="abandoned"
        )

        assert (call.status, call.agent_id, call.extension) == ("ABANDON", None, None)
        played = ami.event("Newexten", Application="Playback")
    assert played.get("AppData") == "dialer-abandoned"  # the campaign's sound
    with app.app_context():
        lead = db.session.scalar(select(Lead))
        assert (lead.status, lead.attempts, lead.last_status) == (LeadStatus.RETRY, 1, "ABANDON")
        assert db.session.scalar(select(func.count(Call.id))) == 1  # not dialled again at once


def _machine_detecting_desk(app: Flask, numbers: list[str]) -> int:
    campaign_id, _ = _predictive_desk(app, numbers)
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        campaign.amd_enabled, campaign.amd_action = True, AmdAction.HANGUP
        db.session.commit()
    return campaign_id


def test_a_machine_is_hung_up_on_before_the_queue_and_is_no_abandon(
    app, fast_pacing, pbx, listener
) -> None:
    campaign_id = _machine_detecting_desk(app, ["+84912345677"])  # ...77: an answering machine

    [call] = wait_until(lambda: _all_ended(app, campaign_id, 1), timeout=30, message="ended")

    assert (call.status, call.amd_status, call.agent_id) == ("MACHINE", "MACHINE", None)
    with app.app_context():
        lead = db.session.scalar(select(Lead))
        assert (lead.status, lead.last_status) == (LeadStatus.RETRY, "MACHINE")
        measured = figures.measure(db.session, db.session.get(Campaign, campaign_id), utcnow())
        assert (measured.today.answered, measured.today.abandoned) == (0, 0)


def test_a_person_passes_the_machine_check_and_reaches_the_agent(
    app, fast_pacing, pbx, listener
) -> None:
    campaign_id = _machine_detecting_desk(app, ["+84912345674"])

    def bridged() -> Call | None:
        calls = _calls(app, campaign_id)
        return calls[0] if calls and calls[0].agent_id is not None else None

    call = wait_until(bridged, timeout=30, message="the person put through to the agent")
    assert call.amd_status == "HUMAN"
