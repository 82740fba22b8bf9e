"""One cached dashboard per campaign and day in Redis, shared by every viewer.

A viewer never queries the database on its own schedule: it reads the cached
copy, and only when that copy is stale (a "campaign changed" mark newer than
it, or older than ``MAX_AGE_S``) does the first viewer to notice recompute it:
one recompute at a time per campaign and day, and at most one a second (a Redis
``SET NX PX`` lock held while computing, then left to expire a second later).
Other viewers get the stale copy flagged ``is_stale`` and ask again a moment
later; a viewer who finds no copy at all waits for the one being computed.
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
COMPUTE_TIMEOUT_MS = 30_000  # the lock outlives a slow recompute, so only one runs at once
FIRST_COPY_WAIT_S = 5.0
KEEP_S = 3600


def _key(campaign_id: int, day: str) -> str:
    return f"dashboard:campaign:{campaign_id}:{day}"


def read_dashboard(
    client: Redis, campaign_id: int, day: str, compute: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """The campaign's dashboard for ``day``: cached, recomputed by at most one viewer a second."""
    key, lock = _key(campaign_id, day), f"{_key(campaign_id, day)}:lock"
    snapshot = _fresh_or_stale(client, key, campaign_id)
    if snapshot is not None and not snapshot["is_stale"]:
        return snapshot
    if not client.set(lock, 1, nx=True, px=COMPUTE_TIMEOUT_MS):
        # Another viewer is computing: show what there is, or wait for the first copy.
        return snapshot if snapshot is not None else _wait_for_copy(client, key, compute)
    try:
        return _recompute(client, key, compute)
    finally:
        client.pexpire(lock, RECOMPUTE_EVERY_MS)


def _fresh_or_stale(client: Redis, key: str, campaign_id: int) -> dict[str, Any] | None:
    cached, changed = client.mget(key, CHANGED_KEY.format(campaign_id=campaign_id))
    if not cached:
        return None
    snapshot = json.loads(cached)
    return {**snapshot["data"], "is_stale": _is_stale(snapshot, changed)}


def _recompute(client: Redis, key: str, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    # Stamped before computing: a change that lands meanwhile leaves the copy stale.
    started = time.time()
    data = compute()
    client.set(key, json.dumps({"at": started, "data": data}, default=str), ex=KEEP_S)
    return {**data, "is_stale": False}


def _wait_for_copy(
    client: Redis, key: str, compute: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    deadline = time.monotonic() + FIRST_COPY_WAIT_S
    while time.monotonic() < deadline:
        cached = client.get(key)
        if cached:
            return {**json.loads(cached)["data"], "is_stale": False}
        time.sleep(0.05)
    return _recompute(client, key, compute)  # the other viewer gave up: do it here


def _is_stale(snapshot: dict[str, Any], changed: bytes | str | None) -> bool:
    at = float(snapshot["at"])
    if time.time() - at >= MAX_AGE_S:
        return True
    return changed is not None and float(changed) >= at
