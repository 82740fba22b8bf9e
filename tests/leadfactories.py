"""Factories for the lead, campaign and blacklist tests: plain functions with keyword overrides."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from dialer.domain.leads.imports import confirm_mapping, create_import
from dialer.models import (
    BlacklistNumber,
    Campaign,
    LeadImport,
    QuestionKind,
    Survey,
    SurveyQuestion,
)


def make_campaign(session: Session, name: str = "Khảo sát Q4", **overrides: Any) -> Campaign:
    campaign = Campaign(name=name, **overrides)
    session.add(campaign)
    session.flush()
    return campaign


def make_survey(session: Session, name: str = "Hài lòng", questions: int = 2) -> Survey:
    survey = Survey(name=name)
    survey.questions = [
        SurveyQuestion(position=n, kind=QuestionKind.YES_NO, text=f"Câu {n}?", is_required=True)
        for n in range(1, questions + 1)
    ]
    session.add(survey)
    session.flush()
    survey.family_id = survey.id
    session.flush()
    return survey


def blacklist(session: Session, *phones: str) -> None:
    for phone in phones:
        session.add(BlacklistNumber(phone=phone, phone_raw=phone, reason="test"))
    session.flush()


def write_csv(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def queued_import(
    session: Session, campaign: Campaign, path: Path, mapping: dict[str, str] | None = None
) -> LeadImport:
    """An upload registered and its mapping confirmed (the guess, or ``mapping``)."""
    lead_import = create_import(session, campaign, path, path.name)
    confirm_mapping(session, lead_import, mapping or lead_import.mapping)
    session.commit()
    return lead_import


def signed_in_manager(app, client, username: str = "boss"):  # noqa: ANN001, ANN201
    """A manager account, signed in on ``client``."""
    from dialer.extensions import db
    from dialer.models import Role
    from tests.factories import make_user
    from tests.web.helpers import login

    with app.app_context():
        make_user(db.session, username, role=Role.MANAGER, password="pw")
        db.session.commit()
    login(client, username, "pw")
    return client


def page_token(client, path: str) -> str:  # noqa: ANN001
    """The CSRF token of the page at ``path``, as a browser would post it."""
    from tests.web.helpers import csrf_token

    return csrf_token(client, path)


def run_worker_burst() -> None:
    """Run the queued import jobs in a real forking RQ worker until the queue is empty."""
    from flask import current_app
    from rq import Worker

    from dialer.extensions import redis_hub
    from dialer.jobs.leads import QUEUE
    from dialer.jobs.runtime import bind_app

    bind_app(current_app._get_current_object())
    Worker([redis_hub.queue(QUEUE)], connection=redis_hub.client).work(burst=True)


def run_worker_burst_on(queue: str) -> None:
    """Run the jobs queued on ``queue`` in a real forking RQ worker until it is empty."""
    from flask import current_app
    from rq import Worker

    from dialer.extensions import redis_hub
    from dialer.jobs.runtime import bind_app

    bind_app(current_app._get_current_object())
    Worker([redis_hub.queue(queue)], connection=redis_hub.client).work(burst=True)
