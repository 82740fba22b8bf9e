"""The lead import job: an import id in, the file imported, progress published for the live page."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from redis import Redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from dialer.domain.leads.imports import run_import
from dialer.domain.leads.progress import Progress
from dialer.extensions import db, redis_hub
from dialer.jobs.horse import WorkerGone, worker_alive
from dialer.jobs.runtime import job, worker_pid

log = logging.getLogger(__name__)

QUEUE = "imports"
# A million rows take well under a minute; a slow disk or a huge xlsx gets room to spare.
TIMEOUT_SECONDS = 3600
PROGRESS_TTL_SECONDS = 24 * 3600
# While a job runs it renews a short mark; a job whose mark ran out has died with its worker.
RUNNING_MARK_MS = 5000
RUNNING_RENEW_S = 1.0


def job_id(import_id: int) -> str:
    """One job per import: a second enqueue while it waits or runs changes nothing."""
    return f"lead-import-{import_id}"


def progress_key(import_id: int) -> str:
    """Where an import's live progress is kept in Redis."""
    return f"dialer:lead-import:{import_id}:progress"


def running_key(import_id: int) -> str:
    """The mark a running import job keeps fresh in Redis (see ``active_job``)."""
    return f"dialer:lead-import:{import_id}:running"


@job
def import_leads(import_id: int) -> dict[str, Any]:
    """Run the import (a finished one is left alone); progress goes to Redis as it happens.

    The horse stops at the next chunk if its worker died (``jobs.horse``).
    """
    redis = redis_hub.client
    parent = worker_pid()

    def on_progress(progress: Progress) -> None:
        if parent is not None and not worker_alive(parent):
            raise WorkerGone(f"worker {parent} stopped")
        publish_progress(redis, progress)

    with running_mark(redis, import_id):
        lead_import = run_import(
            db.session,
            import_id,
            region=current_app.config["DIALER_DEFAULT_REGION"],
            on_progress=on_progress,
        )
    return {
        "status": lead_import.status,
        "rows_read": lead_import.rows_read,
        "imported": lead_import.imported,
        "rejected": lead_import.rejected,
    }


@contextlib.contextmanager
def running_mark(redis: Redis, import_id: int) -> Iterator[None]:
    """Keep the import's running mark fresh for as long as the job runs in this process."""
    key, done = running_key(import_id), threading.Event()
    redis.set(key, b"1", px=RUNNING_MARK_MS)

    def renew() -> None:
        while not done.wait(RUNNING_RENEW_S):
            try:
                redis.set(key, b"1", px=RUNNING_MARK_MS)
            except Exception:  # Redis away: the job itself fails on its next progress
                log.warning("could not renew the running mark of import %s", import_id)

    renewer = threading.Thread(target=renew, name=f"import-{import_id}-mark", daemon=True)
    renewer.start()
    try:
        yield
    finally:
        done.set()
        renewer.join(timeout=5)
        with contextlib.suppress(Exception):
            redis.delete(key)


_WAITING = (JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED)


def active_job(redis: Redis, import_id: int) -> Job | None:
    """The import's job while it waits or runs; None once it ended or died with its worker.

    RQ only notices a worker killed mid-job minutes later; the running mark
    says it within ``RUNNING_MARK_MS``.
    """
    try:
        existing = Job.fetch(job_id(import_id), connection=redis)
    except NoSuchJobError:
        return None
    status = existing.get_status(refresh=True)
    if status in _WAITING:
        return existing
    if status == JobStatus.STARTED and (
        redis.exists(running_key(import_id)) or _just_started(existing)
    ):
        return existing
    return None


def _just_started(existing: Job) -> bool:
    """Started so recently that its mark may not be written yet."""
    started = existing.started_at
    if started is None:
        return True
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    return (datetime.now(UTC) - started).total_seconds() * 1000 < RUNNING_MARK_MS


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
