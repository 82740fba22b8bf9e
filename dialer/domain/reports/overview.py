"""The manager's overview: campaigns with their lead progress (M5)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialer.models import Campaign, Lead, LeadStatus


@dataclass(frozen=True)
class CampaignProgress:
    campaign: Campaign
    total: int
    done: int
    waiting: int  # new or retry: still to be called

    @property
    def percent_done(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def campaign_progress(session: Session) -> list[CampaignProgress]:
    """Every campaign, newest first, with how many of its leads are done and waiting."""
    counts: dict[int, dict[str, int]] = {}
    rows = session.execute(
        select(Lead.campaign_id, Lead.status, func.count()).group_by(Lead.campaign_id, Lead.status)
    )
    for campaign_id, status, count in rows:
        counts.setdefault(campaign_id, {})[status] = count
    result = []
    for campaign in session.scalars(select(Campaign).order_by(Campaign.created_at.desc())):
        by_status = counts.get(campaign.id, {})
        result.append(
            CampaignProgress(
                campaign=campaign,
                total=sum(by_status.values()),
                done=by_status.get(LeadStatus.DONE, 0),
                waiting=by_status.get(LeadStatus.NEW, 0) + by_status.get(LeadStatus.RETRY, 0),
            )
        )
    return result
