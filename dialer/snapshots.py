"""One cached dashboard per campaign and day in Redis, shared by every viewer.

A viewer never queries the database on its own schedule: it reads the cached
copy, and only when that copy is stale (a "campaign changed" mark newer than
it, or older than ``MAX_AGE_S``) does the first viewer to notice recompute it,
at most once a second per campaign (a Redis ``SET NX PX`` lock). Other viewers
get the stale copy flagged ``is_stale`` and ask again a moment later.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from redis import Redis

from dialer.live import CHANGED_KEY

MAX_AGE_S = 30.0  # "dialable now" moves with the clock (calling hours, retry times)
RECOMPUTE_EVERY_MS = 1000
KEEP_S = 3600


def _key(campaign_id: int, day: str) -> str:
    return f"dashboard:campaign:{campaign_id}:{day}"


def read_dashboard(
    client: Redis, campaign_id: int, day: str, compute: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """The campaign's dashboard for ``day``: cached, recomputed by at most one viewer a second."""
    key = _key(campaign_id, day)
    cached, changed = client.mget(key, CHANGED_KEY.format(campaign_id=campaign_id))
    snapshot = json.loads(cached) if cached else None
    if snapshot is not None and not _is_stale(snapshot, changed):
        return {**snapshot["data"], "is_stale": False}
    lock = client.set(f"{key}:lock", 1, nx=True, px=RECOMPUTE_EVERY_MS)
    if snapshot is not None and not lock:
        return {**snapshot["data"], "is_stale": True}
    # Stamped before computing: a change that lands meanwhile leaves the copy stale.
    started = time.time()
    data = compute()
    client.set(key, json.dumps({"at": started, "data": data}, default=str), ex=KEEP_S)
    return {**data, "is_stale": False}


def _is_stale(snapshot: dict[str, Any], changed: bytes | str | None) -> bool:
    at = float(snapshot["at"])
    if time.time() - at >= MAX_AGE_S:
        return True
    return changed is not None and float(changed) >= at
