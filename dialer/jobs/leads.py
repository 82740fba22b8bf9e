"""The lead import job: an import id in, the file imported, progress published for the live page."""

from __future__ import annotations

from typing import Any

from flask import current_app
from redis import Redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from dialer.domain.leads.imports import run_import
from dialer.domain.leads.progress import Progress
from dialer.extensions import db, redis_hub
from dialer.jobs.runtime import job

QUEUE = "imports"
# A million rows take well under a minute; a slow disk or a huge xlsx gets room to spare.
TIMEOUT_SECONDS = 3600
PROGRESS_TTL_SECONDS = 24 * 3600


def job_id(import_id: int) -> str:
    """One job per import: a second enqueue while it waits or runs changes nothing."""
    return f"lead-import-{import_id}"


def progress_key(import_id: int) -> str:
    """Where an import's live progress is kept in Redis."""
    return f"dialer:lead-import:{import_id}:progress"


@job
def import_leads(import_id: int) -> dict[str, Any]:
    """Run the import (a finished one is left alone); progress goes to Redis as it happens."""
    redis = redis_hub.client
    lead_import = run_import(
        db.session,
        import_id,
        region=current_app.config["DIALER_DEFAULT_REGION"],
        on_progress=lambda progress: publish_progress(redis, progress),
    )
    return {
        "status": lead_import.status,
        "rows_read": lead_import.rows_read,
        "imported": lead_import.imported,
        "rejected": lead_import.rejected,
    }


_ACTIVE = (JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED)


def active_job(redis: Redis, import_id: int) -> Job | None:
    """The import's job while it waits or runs; None once it ended (or its worker died)."""
    try:
        existing = Job.fetch(job_id(import_id), connection=redis)
    except NoSuchJobError:
        return None
    return existing if existing.get_status(refresh=True) in _ACTIVE else None


def enqueue_import(queue: Queue, import_id: int) -> Job:
    """Queue the import unless its job is already waiting or running."""
    existing = active_job(queue.connection, import_id)
    if existing is not None:
        return existing
    return queue.enqueue(
        import_leads,
        import_id,
        job_id=job_id(import_id),
        job_timeout=TIMEOUT_SECONDS,
        result_ttl=PROGRESS_TTL_SECONDS,
        failure_ttl=PROGRESS_TTL_SECONDS,
    )


def publish_progress(redis: Redis, progress: Progress) -> None:
    """Write the progress where the live page reads it (expires a day after the last change)."""
    key = progress_key(progress.import_id)
    redis.hset(
        key,
        mapping=progress.as_dict(),
    )
    redis.expire(key, PROGRESS_TTL_SECONDS)


def read_progress(redis: Redis, import_id: int) -> dict[str, Any] | None:
    """The last published progress of an import, or None."""
    raw = redis.hgetall(progress_key(import_id))
    if not raw:
        return None
    values = {k.decode(): v.decode() for k, v in raw.items()}
    return {
        "status": values["status"],
        **{name: int(values[name]) for name in ("rows_read", "imported", "rejected", "percent")},
    }
