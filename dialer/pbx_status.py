"""Whether the PBX link is down, and since when, as every process sees it (kept in Redis).

The AMI listener is the one process that knows: it marks the link down when
the port reports DOWN and up again on UP or RECONNECTED. The housekeeping
sweep ends the calls the product can no longer see once the link has been down
for the grace period; the web edge answers 503 to what needs the PBX meanwhile.
"""

from __future__ import annotations

from datetime import datetime

from redis import Redis

DOWN_SINCE_KEY = "dialer:pbx:down_since"


def mark_down(client: Redis, at: datetime) -> datetime:
    """Note the link down from ``at`` (a later DOWN keeps the first time); since when it is."""
    client.set(DOWN_SINCE_KEY, at.isoformat(), nx=True)
    return down_since(client) or at


def mark_up(client: Redis) -> datetime | None:
    """Note the link up again; when it had gone down (the last time calls were seen), if it had."""
    raw = client.getdel(DOWN_SINCE_KEY)
    return datetime.fromisoformat(raw.decode()) if raw else None


def down_since(client: Redis) -> datetime | None:
    """When the link went down, or None while it is up."""
    raw = client.get(DOWN_SINCE_KEY)
    return datetime.fromisoformat(raw.decode()) if raw else None
