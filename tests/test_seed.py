"""The demo data loads once into an empty database, and never over real data."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dialer.extensions import db
from dialer.models import Campaign, Lead, LeadImport, PauseReason, Queue, User
from dialer.seeding import SeedRefused, seed


def test_seed_loads_the_demo_people_campaign_and_leads(ctx) -> None:
    seed(db.session)
    db.session.commit()
    usernames = set(db.session.scalars(select(User.username)))
    assert {"admin", "manager", "agent1", "agent2", "agent3"} <= usernames
    agent1 = db.session.scalar(select(User).where(User.username == "agent1"))
    assert agent1.default_extension.number == "1001"
    assert set(db.session.scalars(select(Queue.name))) == {"support", "sales"}
    assert db.session.scalar(select(func.count()).select_from(PauseReason)) >= 5
    campaign = db.session.scalar(select(Campaign))
    assert campaign.status == "running" and len(campaign.survey.questions) == 5
    assert len(campaign.agents) == 3
    phones = list(db.session.scalars(select(Lead.phone)))
    assert len(phones) >= 200 and all(p.startswith("+84") for p in phones)
    assert len(set(phones)) == len(phones)
    # The demo leads went through the same import as an upload, with nothing rejected.
    lead_import = db.session.scalar(select(LeadImport))
    assert lead_import.status == "done" and lead_import.rejected == 0
    assert lead_import.imported == len(phones)


def test_seed_refuses_a_database_that_has_users(ctx) -> None:
    seed(db.session)
    db.session.commit()
    with pytest.raises(SeedRefused):
        seed(db.session)
