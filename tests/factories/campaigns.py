"""Factories for the agent desktop's tests: campaigns, leads, surveys, signed-in agents."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy.orm import Session

from dialer.domain.people import accounts
from dialer.domain.people.passwords import hash_password
from dialer.models import (
    AgentSession,
    BlacklistNumber,
    Campaign,
    CampaignAgent,
    CampaignStatus,
    Lead,
    PauseReason,
    QuestionKind,
    Queue,
    QueueMember,
    Role,
    Survey,
    SurveyQuestion,
    User,
)
from tests.factories import make_extension

# 10:00 in Ho Chi Minh City on a Tuesday: inside the default calling hours.
MORNING = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def make_campaign(
    session: Session,
    name: str = "Q4 survey",
    *,
    agents: list[User] = (),  # type: ignore[assignment]
    survey: Survey | None = None,
    **overrides: Any,
) -> Campaign:
    values: dict[str, Any] = {
        "status": CampaignStatus.RUNNING,
        "timezone": "Asia/Ho_Chi_Minh",
        "call_days": "1234567",
        "call_start": time(8, 0),
        "call_end": time(20, 0),
        "max_attempts": 3,
        "caller_id": "+842873001234",
        "description": "Ask how the service was.",
    }
    values.update(overrides)
    campaign = Campaign(name=name, survey=survey, **values)
    campaign.agents = [CampaignAgent(user=user) for user in agents]
    session.add(campaign)
    session.flush()
    return campaign


def make_lead(
    session: Session, campaign: Campaign, phone: str = "+84912345670", **overrides: Any
) -> Lead:
    lead = Lead(
        campaign_id=campaign.id,
        phone=phone,
        phone_raw=overrides.pop("phone_raw", phone),
        first_name=overrides.pop("first_name", "An"),
        last_name=overrides.pop("last_name", "Nguyễn"),
        **overrides,
    )
    session.add(lead)
    session.flush()
    return lead


def make_pause_reason(
    session: Session, code: str = "lunch", name: str = "Lunch", **overrides: Any
) -> PauseReason:
    reason = PauseReason(code=code, name=name, **overrides)
    session.add(reason)
    session.flush()
    return reason


def make_survey(session: Session, *questions: tuple[str, str, bool, list[str]]) -> Survey:
    """A survey from (kind, text, is_required, options) tuples."""
    survey = Survey(name="Satisfaction", description="")
    survey.questions = [
        SurveyQuestion(position=i, kind=kind, text=text, is_required=required, options=options)
        for i, (kind, text, required, options) in enumerate(questions, start=1)
    ]
    session.add(survey)
    session.flush()
    return survey


def standard_survey(session: Session) -> Survey:
    return make_survey(
        session,
        (QuestionKind.RATING, "How was the service (1-5)?", True, []),
        (QuestionKind.YES_NO, "Would you recommend us?", True, []),
        (QuestionKind.SINGLE_CHOICE, "Which plan?", False, ["Basic", "Premium"]),
        (QuestionKind.TEXT, "Anything else?", False, []),
    )


AGENT_PASSWORD = "agent-pass"


@functools.cache
def agent_password_hash() -> str:
    """One slow password hash for every agent of a test run."""
    return hash_password(AGENT_PASSWORD)


def make_agent(
    session: Session,
    username: str = "agent1",
    extension: str = "1001",
    *,
    now: datetime = MORNING,
    signed_in: bool = True,
    queues: tuple[str, ...] = (),
) -> tuple[User, AgentSession | None]:
    user = User(
        username=username,
        display_name=username.title(),
        role=Role.AGENT,
        password_hash=agent_password_hash(),
        default_extension=make_extension(session, extension),
    )
    session.add(user)
    for name in queues:
        queue = session.query(Queue).filter_by(name=name).one_or_none() or Queue(name=name)
        session.add(QueueMember(queue=queue, user=user))
    session.flush()
    agent_session = (
        accounts.start_agent_session(session, user, extension, now=now) if signed_in else None
    )
    session.flush()
    return user, agent_session


def blacklist(session: Session, phone: str) -> None:
    session.add(BlacklistNumber(phone=phone, phone_raw=phone, reason="asked not to be called"))
    session.flush()
