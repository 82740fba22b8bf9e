"""Jobs run in a real RQ worker against the real Redis of this run."""

from __future__ import annotations

from rq import Worker

from dialer.extensions import db, redis_hub
from dialer.jobs import system
from dialer.jobs.runtime import bind_app
from dialer.seeding import seed


def test_a_forking_worker_runs_a_job_against_the_database(ctx) -> None:
    seed(db.session)
    db.session.commit()
    bind_app(ctx)
    job = redis_hub.queue("default").enqueue(system.count_users)
    Worker([redis_hub.queue("default")], connection=redis_hub.client).work(burst=True)
    job.refresh()
    assert job.get_status() == "finished"
    assert job.return_value() == 6
