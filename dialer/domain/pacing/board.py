"""The supervisors' view of predictive dialing: one row per running predictive campaign."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.domain.pacing import figures
from dialer.domain.pacing.decision import NEAR_CAP_SHARE
from dialer.models import Campaign, CampaignStatus, DialMode


@dataclass(frozen=True)
class PacingRow:
    """One campaign as the supervisor reads it: the level, the lines, the rates against the cap."""

    campaign_id: int
    name: str
    level: float | None  # None until a dialer has paced the campaign
    reason: str
    ready_agents: int
    agents_on_calls: int
    lines_in_flight: int
    customers_waiting: int
    answer_rate_pct: float
    sample_calls: int
    abandon_today_pct: float
    abandon_30d_pct: float
    abandoned_today: int
    answered_today: int
    cap_pct: float

    @property
    def is_capped(self) -> bool:
        """At or above the cap (today or over 30 days): one line per ready agent."""
        return max(self.abandon_today_pct, self.abandon_30d_pct) >= self.cap_pct

    @property
    def is_near_cap(self) -> bool:
        """Close enough to the cap that the level is held down."""
        worst = max(self.abandon_today_pct, self.abandon_30d_pct)
        return not self.is_capped and worst > self.cap_pct * NEAR_CAP_SHARE


def pacing_board(
    session: Session, now: datetime, decided: Mapping[int, Mapping | None]
) -> list[PacingRow]:
    """Every running predictive campaign, measured now; ``decided`` holds each one's last tick."""
    campaigns = session.scalars(
        select(Campaign)
        .where(Campaign.status == CampaignStatus.RUNNING, Campaign.dial_mode == DialMode.PREDICTIVE)
        .order_by(Campaign.name)
    ).all()
    return [_row(session, campaign, now, decided.get(campaign.id)) for campaign in campaigns]


def predictive_campaign_ids(session: Session) -> list[int]:
    """The ids the board will show (so the edge can fetch their last ticks first)."""
    return list(
        session.scalars(
            select(Campaign.id).where(
                Campaign.status == CampaignStatus.RUNNING,
                Campaign.dial_mode == DialMode.PREDICTIVE,
            )
        )
    )


def _row(session: Session, campaign: Campaign, now: datetime, last: Mapping | None) -> PacingRow:
    measured = figures.measure(session, campaign, now)
    return PacingRow(
        campaign_id=campaign.id,
        name=campaign.name,
        level=float(last["level"]) if last else None,
        reason=str(last["reason"]) if last else "",
        ready_agents=measured.ready_agents,
        agents_on_calls=measured.agents_on_calls,
        lines_in_flight=measured.lines_in_flight,
        customers_waiting=measured.customers_waiting,
        answer_rate_pct=100.0 * measured.answer_rate,
        sample_calls=measured.sample_calls,
        abandon_today_pct=measured.today.pct,
        abandon_30d_pct=measured.rolling.pct,
        abandoned_today=measured.today.abandoned,
        answered_today=measured.today.answered,
        cap_pct=float(campaign.abandon_cap_pct),
    )
