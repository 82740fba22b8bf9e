"""Fifty agents press Get Lead at the same instant, again and again: no lead is ever shared."""

from __future__ import annotations

import threading
from collections import Counter

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from dialer.domain.dialing import outbound as dialing
from dialer.domain.dialing.outbound import Claimed
from dialer.extensions import db
from dialer.models import Lead, LeadStatus
from tests.factories.campaigns import MORNING, make_campaign
from tests.factories.leads import make_lead
from tests.factories.people import make_agent

AGENTS = 50
ROUNDS = 4


def test_fifty_agents_claiming_at_once_never_share_a_lead(ctx) -> None:
    users = [make_agent(db.session, f"agent{i}", str(2000 + i))[0] for i in range(AGENTS)]
    campaign = make_campaign(db.session, agents=users)
    for i in range(AGENTS * ROUNDS + 20):
        make_lead(db.session, campaign, f"+849123{i:05d}")
    db.session.commit()
    user_ids, campaign_id = [u.id for u in users], campaign.id

    # One connection per agent, as fifty web requests would have.
    # On SQLite a writer waits for the lock as the app's own engine lets it (busy_timeout
    # 10 s); a busy machine running two suites at once can make fifty writers wait past
    # the driver's default of 5 s.
    wait = {"timeout": 30} if db.engine.url.get_backend_name() == "sqlite" else {}
    engine = sa.create_engine(db.engine.url, poolclass=NullPool, connect_args=wait)
    start = threading.Barrier(AGENTS)
    claimed: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def agent(user_id: int) -> None:
        try:
            start.wait()
            for _round in range(ROUNDS):
                with Session(engine) as session:
                    got = dialing.claim_next_lead(session, user_id, campaign_id, MORNING)
                    assert isinstance(got, Claimed), got
                    lead_id = got.lead.id
                    session.commit()
                with lock:
                    claimed.append((user_id, lead_id))
                with Session(engine) as session:  # the call ends: the lead is finished
                    session.execute(
                        sa.update(Lead)
                        .where(Lead.id == lead_id, Lead.claimed_by_id == user_id)
                        .values(status=LeadStatus.DONE, claimed_by_id=None)
                    )
                    session.commit()
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=agent, args=(uid,)) for uid in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    engine.dispose()
    assert errors == []
    assert len(claimed) == AGENTS * ROUNDS
    shared = [lead for lead, n in Counter(lead for _u, lead in claimed).items() if n > 1]
    assert shared == []
    assert Counter(user for user, _lead in claimed) == dict.fromkeys(user_ids, ROUNDS)
