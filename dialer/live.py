"""Live updates for the agents' screens: Redis pub/sub, one channel per user.

The domain returns ``notices``; every process edge (web views, jobs, the AMI
listener, the periodic sweep) hands them to :func:`commit_then_publish`, which
commits first so a screen never shows what the database does not hold. The
server-sent-events endpoint subscribes to the user's channel and forwards each
message to the browser.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy.exc import OperationalError

from dialer.domain.notices import CAMPAIGN_CHANGED, Notice
from dialer.extensions import db, redis_hub

SUPERVISORS_CHANNEL = "live:supervisors"
CHANGED_KEY = "dashboard:changed:{campaign_id}"

log = logging.getLogger(__name__)


def campaign_channel(campaign_id: int) -> str:
    """The pub/sub channel of one campaign's dashboards."""
    return f"live:campaign:{campaign_id}"


def user_channel(user_id: int) -> str:
    """The pub/sub channel of one user's screens."""
    return f"live:user:{user_id}"


def publish(client: Redis, user_id: int | None, event: str, data: dict[str, Any]) -> None:
    """Send ``event`` to every open screen of the user (and the supervisors' wallboard)."""
    message = json.dumps({"event": event, "data": data, "ts": time.time()}, default=str)
    if user_id is not None:
        client.publish(user_channel(user_id), message)
    client.publish(SUPERVISORS_CHANNEL, message)


def publish_notices(client: Redis, notices: Iterable[Notice]) -> None:
    """Publish the domain's notices; call only after the transaction that made them commits."""
    for notice in notices:
        if notice.event == CAMPAIGN_CHANGED:
            publish_campaign_changed(client, int(notice.data["campaign_id"]))
        else:
            publish(client, notice.user_id, notice.event, notice.data)


def commit_then_publish(notices: Iterable[Notice]) -> list[Notice]:
    """Commit the session's transaction, then publish its notices; nothing is sent if it fails.

    Once the commit stands, a Redis outage loses only the push: the change is not undone and
    the caller is not told it failed. No screen misses it for good: a screen's event stream
    cannot be open while Redis is away, and every screen re-reads its state when its stream
    says hello again (a dashboard's copy goes stale by age).
    """
    notices = list(notices)
    db.session.commit()
    try:
        publish_notices(redis_hub.client, notices)
    except RedisError as error:
        log.warning("%d live notice(s) not pushed, Redis unavailable: %s", len(notices), error)
    return notices


def in_transaction(app: Flask, work: Callable[[], list[Notice]], tries: int = 3) -> list[Notice]:
    """Run ``work`` in its own committed transaction (again on a lock conflict), then publish.

    For the edges outside a request (the AMI listener, the housekeeper): each unit of
    work gets an app context and a fresh session, and a deadlock or a busy SQLite file
    is retried because the work is safe to redo.
    """
    with app.app_context():
        for attempt in range(1, tries + 1):
            try:
                return commit_then_publish(work())
            except OperationalError:
                db.session.rollback()
                if attempt == tries:
                    raise
            finally:
                db.session.remove()
    return []


def publish_campaign_changed(client: Redis, campaign_id: int) -> None:
    """Mark the campaign's cached dashboard stale, then tell its open dashboards."""
    now = time.time()
    client.set(CHANGED_KEY.format(campaign_id=campaign_id), now, ex=86400)
    message = {"event": CAMPAIGN_CHANGED, "data": {"campaign_id": campaign_id}, "ts": now}
    client.publish(campaign_channel(campaign_id), json.dumps(message))
