"""A predictive campaign measured from its calls and agents: what the pacing rule looks at.

The abandon rate is abandoned calls over answered calls (a customer came on the
line; an answering machine hung up on is no answer), counted over the campaign's
day in its own time zone and over the rolling 30 days. The answer rate and the
handle time come from the recent window only, so the level follows the hour's
luck, not the morning's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from dialer.domain.dialing import compliance
from dialer.models import (
    AgentSession,
    AgentState,
    Call,
    CallState,
    CallStatus,
    Campaign,
    CampaignAgent,
    CampaignStatus,
    DialMode,
    Direction,
)

# The answer rate and the handle time are measured over this recent window.
RECENT = timedelta(minutes=30)
ROLLING = timedelta(days=30)


@dataclass(frozen=True)
class AbandonFigures:
    """Answered and abandoned calls over one span."""

    answered: int
    abandoned: int

    @property
    def pct(self) -> float:
        """Abandoned as a percentage of answered (0 when nothing was answered)."""
        return 100.0 * self.abandoned / self.answered if self.answered else 0.0


@dataclass(frozen=True)
class CampaignFigures:
    """Everything the pacing rule and the supervisors' view read of one campaign."""

    ready_agents: int
    soon_free_agents: int
    agents_on_calls: int
    lines_in_flight: int
    customers_waiting: int
    answer_rate: float
    sample_calls: int
    avg_talk_s: float
    today: AbandonFigures
    rolling: AbandonFigures


def is_customer_first(call: Call) -> bool:
    """True for a call the dialer placed to the customer first, to be queued for an agent."""
    return call.direction == Direction.OUTBOUND and call.queue is not None


def day_start(campaign: Campaign, now: datetime) -> datetime:
    """When the campaign's day began, in its own zone (as a UTC instant)."""
    zone = compliance.zone_named(campaign.timezone) or ZoneInfo("UTC")
    local = now.astimezone(zone)
    return datetime.combine(local.date(), time.min, zone).astimezone(now.tzinfo)


def measure(session: Session, campaign: Campaign, now: datetime) -> CampaignFigures:
    """The campaign's agents, lines and rates at ``now``."""
    sample, answered, avg_talk = _recent(session, campaign.id, now)
    ready, soon_free, on_calls = _agents(session, campaign.id, now, avg_talk)
    in_flight, waiting = _lines(session, campaign.id)
    return CampaignFigures(
        ready_agents=ready,
        soon_free_agents=soon_free,
        agents_on_calls=on_calls,
        lines_in_flight=in_flight,
        customers_waiting=waiting,
        answer_rate=answered / sample if sample else 0.0,
        sample_calls=sample,
        avg_talk_s=avg_talk,
        today=abandon_figures(session, campaign.id, day_start(campaign, now)),
        rolling=abandon_figures(session, campaign.id, now - ROLLING),
    )


def abandon_figures(session: Session, campaign_id: int, since: datetime) -> AbandonFigures:
    """Answered and abandoned outbound calls of the campaign placed since ``since``."""
    answered, abandoned = session.execute(
        select(
            func.count(Call.id).filter(_answered_by_a_person()),
            func.count(Call.id).filter(Call.status == CallStatus.ABANDON),
        ).where(_outbound_of(campaign_id), Call.created_at >= since)
    ).one()
    return AbandonFigures(int(answered), int(abandoned))


def _answered_by_a_person() -> ColumnElement[bool]:
    # A machine hung up on (status MACHINE) needed no agent and was no live call to abandon.
    return and_(Call.answered_at.is_not(None), func.coalesce(Call.status, "") != CallStatus.MACHINE)


def _outbound_of(campaign_id: int) -> ColumnElement[bool]:
    return and_(Call.campaign_id == campaign_id, Call.direction == Direction.OUTBOUND)


def _customer_first_of(campaign_id: int) -> ColumnElement[bool]:
    return and_(_outbound_of(campaign_id), Call.queue.is_not(None))


def _lines(session: Session, campaign_id: int) -> tuple[int, int]:
    """Lines dialled and not answered yet; answered customers still waiting for an agent."""
    in_flight, waiting = session.execute(
        select(
            func.count(Call.id).filter(Call.answered_at.is_(None)),
            func.count(Call.id).filter(Call.answered_at.is_not(None), Call.agent_id.is_(None)),
        ).where(_customer_first_of(campaign_id), Call.state != CallState.ENDED)
    ).one()
    return int(in_flight), int(waiting)


def _recent(session: Session, campaign_id: int, now: datetime) -> tuple[int, int, float]:
    """Dialled and answered calls ended in the recent window, and their average talk time."""
    sample, answered, avg_talk = session.execute(
        select(
            func.count(Call.id),
            func.count(Call.id).filter(_answered_by_a_person()),
            func.avg(Call.talk_s).filter(Call.status == CallStatus.ANSWER),
        ).where(
            _customer_first_of(campaign_id),
            Call.state == CallState.ENDED,
            Call.created_at >= now - RECENT,
        )
    ).one()
    return int(sample), int(answered), float(avg_talk or 0.0)


def _agents(
    session: Session, campaign_id: int, now: datetime, avg_talk_s: float
) -> tuple[int, int, int]:
    """Agents of the campaign waiting for a call, about to be free, and talking."""
    assigned = _working_here(campaign_id)
    signed_in = and_(AgentSession.logout_at.is_(None), AgentSession.user_id.in_(assigned))
    ready = session.scalar(
        # A Ready agent's session may still point at their last call (ended): it is no matter.
        select(func.count(AgentSession.id)).where(signed_in, AgentSession.state == AgentState.READY)
    )
    talking = session.execute(
        select(Call.answered_at)
        .join(AgentSession, AgentSession.current_call_id == Call.id)
        .where(signed_in, AgentSession.state == AgentState.CONNECTED)
    ).all()
    soon = 0
    if avg_talk_s > 0:
        # Four fifths of the average talk: the time a new line takes to ring and be answered.
        nearly_done = now - timedelta(seconds=avg_talk_s * 0.8)
        soon = sum(1 for (answered_at,) in talking if answered_at and answered_at <= nearly_done)
    return int(ready or 0), soon, len(talking)


def _working_here(campaign_id: int) -> Select[tuple[int]]:
    """The campaign's agents who work it rather than another predictive campaign.

    An agent assigned to several running predictive campaigns is counted by one of
    them, not by each (each would dial a line for the same person): the one picked
    last on the desktop, else the oldest. A campaign in another mode takes no one.
    """
    mine, other = aliased(CampaignAgent), aliased(CampaignAgent)
    picked_later = and_(
        other.chosen_at.is_not(None),
        or_(mine.chosen_at.is_(None), other.chosen_at > mine.chosen_at),
    )
    picked_alike = or_(
        and_(other.chosen_at.is_(None), mine.chosen_at.is_(None)),
        other.chosen_at == mine.chosen_at,
    )
    ranks_first = (
        select(other.id)
        .join(Campaign, Campaign.id == other.campaign_id)
        .where(
            other.user_id == mine.user_id,
            other.campaign_id != mine.campaign_id,
            Campaign.status == CampaignStatus.RUNNING,
            Campaign.dial_mode == DialMode.PREDICTIVE,
            or_(picked_later, and_(picked_alike, other.campaign_id < mine.campaign_id)),
        )
    )
    return select(mine.user_id).where(mine.campaign_id == campaign_id, ~exists(ranks_first))
