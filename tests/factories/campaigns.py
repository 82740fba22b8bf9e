"""Campaigns, surveys and the blacklist."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy.orm import Session

from dialer.models import (
    BlacklistNumber,
    Campaign,
    CampaignAgent,
    CampaignStatus,
    QuestionKind,
    Survey,
    SurveyQuestion,
    User,
)

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
    """A running campaign, calling 08:00-20:00 every day in Asia/Ho_Chi_Minh, with ``agents``."""
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


def make_draft_campaign(session: Session, name: str = "Khảo sát Q4", **overrides: Any) -> Campaign:
    """A campaign with the model's defaults (a draft) unless ``overrides`` say otherwise."""
    campaign = Campaign(name=name, **overrides)
    session.add(campaign)
    session.flush()
    return campaign


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
    """A survey of four questions, one of each kind (two of them required)."""
    return make_survey(
        session,
        (QuestionKind.RATING, "How was the service (1-5)?", True, []),
        (QuestionKind.YES_NO, "Would you recommend us?", True, []),
        (QuestionKind.SINGLE_CHOICE, "Which plan?", False, ["Basic", "Premium"]),
        (QuestionKind.TEXT, "Anything else?", False, []),
    )


def make_yes_no_survey(session: Session, name: str = "Hài lòng", questions: int = 2) -> Survey:
    """The first version of a survey family of ``questions`` required yes/no questions."""
    survey = Survey(name=name)
    survey.questions = [
        SurveyQuestion(position=n, kind=QuestionKind.YES_NO, text=f"Câu {n}?", is_required=True)
        for n in range(1, questions + 1)
    ]
    session.add(survey)
    session.flush()
    survey.family_id = survey.id
    session.flush()
    return survey


def blacklist(session: Session, *phones: str, reason: str = "asked not to be called") -> None:
    """Put ``phones`` (E.164) on the blacklist."""
    for phone in phones:
        session.add(BlacklistNumber(phone=phone, phone_raw=phone, reason=reason))
    session.flush()
