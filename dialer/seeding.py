"""Loading the demo data in ``seeds/`` into an empty database."""

from __future__ import annotations

import json
from datetime import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialer.domain.leads.imports import confirm_mapping, create_import, run_import
from dialer.domain.people.passwords import hash_password
from dialer.models import (
    Campaign,
    CampaignAgent,
    Extension,
    PauseReason,
    Queue,
    QueueMember,
    Survey,
    SurveyQuestion,
    User,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


class SeedRefused(Exception):
    """The database already has users: seeding would mix demo logins into real data."""


def seed(session: Session, *, folder: Path = SEEDS, region: str = "VN") -> dict[str, int]:
    """Load the demo data; refuse when any user exists. Returns counts of what was added."""
    if session.scalar(select(func.count()).select_from(User)):
        raise SeedRefused("the database already has users; seeding is for an empty database")
    data = json.loads((folder / "demo.json").read_text(encoding="utf-8"))
    extensions = {n: Extension(number=n) for n in data["extensions"]}
    session.add_all(extensions.values())
    users = {u["username"]: _user(u, extensions) for u in data["users"]}
    session.add_all(users.values())
    for queue_data in data["queues"]:
        queue = Queue(name=queue_data["name"], description=queue_data["description"])
        queue.members = [QueueMember(user=users[name]) for name in queue_data["members"]]
        session.add(queue)
    for position, reason in enumerate(data["pause_reasons"]):
        session.add(PauseReason(position=position, **reason))
    survey = _survey(data["survey"])
    session.add(survey)
    session.flush()
    survey.family_id = survey.id
    campaign = _campaign(data["campaign"], survey, users)
    session.add(campaign)
    session.commit()  # the importer commits chunk by chunk on its own
    imported = _import_leads(session, campaign, folder / data["campaign"]["leads_file"], region)
    return {"users": len(users), "leads": imported}


def _import_leads(session: Session, campaign: Campaign, path: Path, region: str) -> int:
    """Load the demo leads through the same import as a manager's upload."""
    lead_import = create_import(session, campaign, path, path.name)
    confirm_mapping(session, lead_import, lead_import.mapping)
    session.commit()
    return run_import(session, lead_import.id, region=region).imported


def _user(data: dict[str, Any], extensions: dict[str, Extension]) -> User:
    return User(
        username=data["username"],
        display_name=data["display_name"],
        role=data["role"],
        password_hash=hash_password(data["password"]),
        default_extension=extensions.get(data.get("extension", "")),
    )


def _survey(data: dict[str, Any]) -> Survey:
    survey = Survey(name=data["name"], description=data["description"])
    survey.questions = [
        SurveyQuestion(
            position=i,
            kind=q["kind"],
            text=q["text"],
            options=q.get("options", []),
            is_required=q["is_required"],
        )
        for i, q in enumerate(data["questions"], start=1)
    ]
    return survey


def _campaign(data: dict[str, Any], survey: Survey, users: dict[str, User]) -> Campaign:
    campaign = Campaign(
        name=data["name"],
        description=data["description"],
        caller_id=data["caller_id"],
        status=data["status"],
        call_days=data["call_days"],
        call_start=time.fromisoformat(data["call_start"]),
        call_end=time.fromisoformat(data["call_end"]),
        max_attempts=data["max_attempts"],
        survey=survey,
    )
    campaign.agents = [CampaignAgent(user=users[name]) for name in data["agents"]]
    return campaign
