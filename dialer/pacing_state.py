"""What the predictive dialer decided at its last tick, per campaign, as every process sees it.

The process holding a campaign's pacing lease writes its dial level, the lines
it dialled and why, each tick; the supervisors' view reads it. It is a cache
that rebuilds itself: lost, the next tick starts again from a level of 1.
"""

from __future__ import annotations

import json
from typing import Any

from redis import Redis

STATE_KEY = "dialer:pacing:state:{campaign_id}"
# Kept an hour after the last tick: a campaign paused since shows nothing stale for long.
STATE_TTL_S = 3600


def save_state(client: Redis, campaign_id: int, state: dict[str, Any]) -> None:
    """Record the campaign's last pacing decision (JSON-ready values)."""
    key = STATE_KEY.format(campaign_id=campaign_id)
    client.set(key, json.dumps(state), ex=STATE_TTL_S)


def load_state(client: Redis, campaign_id: int) -> dict[str, Any] | None:
    """The campaign's last pacing decision, or None when no dialer has paced it lately."""
    raw = client.get(STATE_KEY.format(campaign_id=campaign_id))
    return json.loads(raw) if raw else None


def last_level(client: Redis, campaign_id: int) -> float:
    """The dial level the last tick left (1.0 for a campaign starting)."""
    state = load_state(client, campaign_id)
    return float(state["level"]) if state else 1.0
