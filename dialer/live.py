"""Live updates for the agents' screens: Redis pub/sub, one channel per user.

Publishers (the AMI listener, web views, jobs) call :func:`publish` after their
transaction commits; the server-sent-events endpoint subscribes to the user's
channel and forwards each message to the browser.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from typing import Any

from redis import Redis

from dialer.domain.notices import CAMPAIGN_CHANGED, Notice

SUPERVISORS_CHANNEL = "live:supervisors"
CHANGED_KEY = "dashboard:changed:{campaign_id}"


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


def listen(client: Redis, channel: str, *, idle_s: float = 15.0) -> Iterator[dict[str, Any] | None]:
    """Yield each message of ``channel``; yield None after ``idle_s`` of silence (keep-alive)."""
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(channel)
    try:
        while True:
            message = pubsub.get_message(timeout=idle_s)
            if message is None:
                yield None
            elif message["type"] == "message":
                yield json.loads(message["data"])
    finally:
        pubsub.close()


def publish_notices(client: Redis, notices: Iterable[Notice]) -> None:
    """Publish the domain's notices; call only after the transaction that made them commits."""
    for notice in notices:
        if notice.event == CAMPAIGN_CHANGED:
            publish_campaign_changed(client, int(notice.data["campaign_id"]))
        else:
            publish(client, notice.user_id, notice.event, notice.data)


def publish_campaign_changed(client: Redis, campaign_id: int) -> None:
    """Mark the campaign's cached dashboard stale, then tell its open dashboards."""
    now = time.time()
    client.set(CHANGED_KEY.format(campaign_id=campaign_id), now, ex=86400)
    message = {"event": CAMPAIGN_CHANGED, "data": {"campaign_id": campaign_id}, "ts": now}
    client.publish(campaign_channel(campaign_id), json.dumps(message))
