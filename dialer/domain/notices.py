"""What the domain tells the edge to push to screens once the transaction has committed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Notice:
    """One live update for one user's screens (``user_id`` None: supervisors only)."""

    user_id: int | None
    event: str  # e.g. "agent_state", "call", "inbound_offer", "forced_logout"
    data: dict[str, Any] = field(default_factory=dict)


CAMPAIGN_CHANGED = "campaign_changed"


def campaign_changed(campaign_id: int) -> Notice:
    """Tell the campaign's dashboards that its figures moved (a call ended, a survey saved)."""
    return Notice(None, CAMPAIGN_CHANGED, {"campaign_id": campaign_id})
