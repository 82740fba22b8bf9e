"""Leads, lead files and import runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from dialer.domain.leads.imports import confirm_mapping, create_import
from dialer.models import Campaign, Lead, LeadImport


def make_lead(
    session: Session, campaign: Campaign, phone: str = "+84912345670", **overrides: Any
) -> Lead:
    """A fresh lead of ``campaign`` (An Nguyễn unless told otherwise)."""
    lead = Lead(
        campaign_id=campaign.id,
        phone=phone,
        phone_raw=overrides.pop("phone_raw", phone),
        first_name=overrides.pop("first_name", "An"),
        last_name=overrides.pop("last_name", "Nguyễn"),
        **overrides,
    )
    session.add(lead)
    session.flush()
    return lead


def write_csv(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    """A lead file of ``lines`` in ``encoding``, at ``path``."""
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
