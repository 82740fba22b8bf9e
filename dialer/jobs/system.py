"""Housekeeping jobs."""

from __future__ import annotations

from sqlalchemy import func, select

from dialer.extensions import db
from dialer.jobs.runtime import job
from dialer.models import User


@job
def count_users() -> int:
    """How many users the database holds (proves a worker reaches the database)."""
    return int(db.session.scalar(select(func.count()).select_from(User)) or 0)
