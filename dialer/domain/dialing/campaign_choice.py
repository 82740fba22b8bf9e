"""Which campaigns an agent works, and the one they picked last (offered first on the desktop)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dialer.domain.dialing.outbound import NOT_ASSIGNED
from dialer.domain.people.agents import AgentError
from dialer.models import Campaign, CampaignAgent, CampaignStatus


def working_campaigns(session: Session, user_id: int) -> list[Campaign]:
    """The running campaigns the agent is assigned to."""
    return list(
        session.scalars(
            select(Campaign)
            .join(CampaignAgent, CampaignAgent.campaign_id == Campaign.id)
            .where(CampaignAgent.user_id == user_id, Campaign.status == CampaignStatus.RUNNING)
            .order_by(Campaign.name)
        )
    )


def remember_campaign(session: Session, user_id: int, campaign_id: int, now: datetime) -> None:
    """Note the campaign the agent picked, so the desktop offers it first from now on;
    AgentError when the agent is not assigned to it."""
    noted = session.execute(
        update(CampaignAgent)
        .where(CampaignAgent.user_id == user_id, CampaignAgent.campaign_id == campaign_id)
        .values(chosen_at=now)
    )
    if noted.rowcount == 0:
        raise AgentError(NOT_ASSIGNED)


def chosen_campaign_id(session: Session, user_id: int) -> int | None:
    """The running campaign the agent picked last, if they have picked one."""
    return session.scalar(
        select(CampaignAgent.campaign_id)
        .join(Campaign, Campaign.id == CampaignAgent.campaign_id)
        .where(
            CampaignAgent.user_id == user_id,
            CampaignAgent.chosen_at.is_not(None),
            Campaign.status == CampaignStatus.RUNNING,
        )
        .order_by(CampaignAgent.chosen_at.desc())
        .limit(1)
    )
