"""Jobs run in a real RQ worker against the real Redis of this run."""

from __future__ import annotations

from rq import Worker
from sqlalchemy import func, select

from dialer.extensions import db, redis_hub
from dialer.jobs.runtime import bind_app, job
from dialer.models import User
from dialer.seeding import seed


@job
def count_users() -> int:
    """How many users the database holds (proves a work-horse reaches the database)."""
    return int(db.session.scalar(select(func.count()).select_from(User)) or 0)


def test_a_forking_worker_runs_a_job_against_the_database(ctx) -> None:
    seed(db.session)
    db.session.commit()
    bind_app(ctx)
    queued = redis_hub.queue("default").enqueue(count_users)
    Worker([redis_hub.queue("default")], connection=redis_hub.client).work(burst=True)
    queued.refresh()
    assert queued.get_status() == "finished"
    assert queued.return_value() == 6
