"""The export job: a campaign's results written to a file by a worker, progress in Redis."""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from redis import Redis
from rq import Queue

from dialer.domain.exports.campaign import run_export
from dialer.domain.reports.filters import from_dict
from dialer.extensions import db, redis_hub
from dialer.jobs.runtime import job
from dialer.models import Campaign

QUEUE = "exports"
# A million survey rows take about a minute; XLSX on a slow disk gets room to spare.
TIMEOUT_SECONDS = 3600
STATUS_TTL_SECONDS = 7 * 24 * 3600
PROGRESS_STEP = 2000
FORMATS = ("csv", "xlsx")
EXPIRED = "expired"


def status_key(token: str) -> str:
    """Where one export's status and progress are kept in Redis."""
    return f"dialer:export:{token}"


def export_folder(instance_path: str) -> Path:
    """The folder export files are written to (served only to managers and admins)."""
    return Path(instance_path) / "exports"


def new_token() -> str:
    """An unguessable name for one export's file and status."""
    return secrets.token_hex(16)


def start_export(queue: Queue, *, token: str, request: dict[str, Any], total: int) -> None:
    """Record the export as queued and enqueue it; one job per token (a retry is a no-op)."""
    key = status_key(token)
    queue.connection.hset(
        key,
        mapping={"status": "queued", "rows": 0, "total": total, "percent": 0, **_plain(request)},
    )
    queue.connection.expire(key, STATUS_TTL_SECONDS)
    queue.enqueue(
        export_campaign,
        token,
        request,
        job_id=f"export-{token}",
        job_timeout=TIMEOUT_SECONDS,
        result_ttl=STATUS_TTL_SECONDS,
        failure_ttl=STATUS_TTL_SECONDS,
    )


@job
def export_campaign(token: str, request: dict[str, Any]) -> dict[str, Any]:
    """Write the export and its audit entry; an export already done is left alone."""
    redis = redis_hub.client
    status = read_status(redis, token)
    if status is not None and status["status"] == "done":
        return status
    _update(redis, token, status="running")
    campaign = db.session.get(Campaign, request["campaign_id"])
    if campaign is None:
        _update(redis, token, status="failed", error="campaign_unknown")
        return {"status": "failed"}
    total = max(int(request.get("total", 0)), 1)

    def publish(rows: int) -> None:
        _update(redis, token, rows=rows, percent=min(99, rows * 100 // total))

    path = export_folder(current_app.instance_path) / f"{token}.{request['fmt']}"
    try:
        rows = run_export(
            db.session,
            campaign,
            request["kind"],
            request["fmt"],
            from_dict(request["filters"], ZoneInfo(request["zone"])),
            path,
            actor_id=request.get("actor_id"),
            labels=request.get("labels"),
            progress=publish,
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        path.unlink(missing_ok=True)
        _update(redis, token, status="failed")
        raise
    _update(redis, token, status="done", rows=rows, percent=100)
    return {"status": "done", "rows": rows}


def purge_expired(redis: Redis, folder: Path, now: datetime, retention_h: int) -> int:
    """Delete finished export files last written over ``retention_h`` hours before ``now``.

    Their status says "expired" from then on, so the page tells the manager instead
    of offering a dead link. A file still being written is left alone; a file no
    status knows (a process died between writing and serving it) goes too. The count.
    """
    if not folder.is_dir():
        return 0
    cutoff = now.timestamp() - retention_h * 3600
    deleted = 0
    for path in folder.iterdir():
        token, _dot, fmt = path.name.partition(".")
        if not token.isalnum() or fmt not in FORMATS:
            continue
        try:
            if path.stat().st_mtime > cutoff:
                continue
        except FileNotFoundError:  # served and removed meanwhile
            continue
        status = read_status(redis, token)
        if status is not None and status["status"] in ("queued", "running"):
            continue
        path.unlink(missing_ok=True)
        if status is not None:
            _update(redis, token, status=EXPIRED)
        deleted += 1
    return deleted


def read_status(redis: Redis, token: str) -> dict[str, Any] | None:
    """An export's last published status, or None when there is no such export."""
    raw = redis.hgetall(status_key(token))
    if not raw:
        return None
    values = {k.decode(): v.decode() for k, v in raw.items()}
    for name in ("rows", "total", "percent", "campaign_id"):
        if name in values:
            values[name] = int(values[name])
    return values


def _update(redis: Redis, token: str, **values: Any) -> None:
    redis.hset(status_key(token), mapping={k: str(v) for k, v in values.items()})


def _plain(request: dict[str, Any]) -> dict[str, Any]:
    keep = ("campaign_id", "kind", "fmt", "download_name")
    return {name: request[name] for name in keep if name in request}
