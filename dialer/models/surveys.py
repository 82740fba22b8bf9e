"""Surveys, their ordered questions, and the answers agents save (M3, O3)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dialer.extensions import db
from dialer.models.base import CreatedAtMixin, JSONType, UTCDateTime, utcnow


class QuestionKind(enum.StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    TEXT = "text"
    NUMBER = "number"
    RATING = "rating"  # 1 to 5
    YES_NO = "yes_no"


class Survey(CreatedAtMixin, db.Model):
    """A survey version. Editing an answered survey makes a new version (same family)."""

    __tablename__ = "surveys"
    __table_args__ = (UniqueConstraint("family_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The first version's id; every later version shares it.
    family_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id"))
    version: Mapped[int] = mapped_column(default=1)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    is_current: Mapped[bool] = mapped_column(default=True)

    questions = relationship(
        "SurveyQuestion",
        back_populates="survey",
        order_by="SurveyQuestion.position",
        cascade="all, delete-orphan",
    )


class SurveyQuestion(db.Model):
    __tablename__ = "survey_questions"
    __table_args__ = (UniqueConstraint("survey_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    options: Mapped[list[str]] = mapped_column(JSONType, default=list)  # for choice questions
    is_required: Mapped[bool] = mapped_column(default=False)

    survey = relationship("Survey", back_populates="questions")


class SurveyResponse(CreatedAtMixin, db.Model):
    """One saved survey for one call: saved exactly once per idempotency key."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        Index("ix_survey_responses_campaign_id_created_at", "campaign_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), active_history=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"), index=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"), unique=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    # The answers as an export's cells (question id to value, choices joined), written with
    # them: the survey CSV reads one JSON object a response instead of pivoting answer rows.
    answer_cells: Mapped[dict[str, Any]] = mapped_column(
        JSONType, default=dict, server_default=text("'{}'")
    )

    answers = relationship("SurveyAnswer", back_populates="response", cascade="all, delete-orphan")


class SurveyAnswer(db.Model):
    __tablename__ = "survey_answers"
    __table_args__ = (UniqueConstraint("response_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id"), index=True)
    value: Mapped[Any] = mapped_column(JSONType)  # str, number, bool or list of str

    response = relationship("SurveyResponse", back_populates="answers")
    question = relationship("SurveyQuestion")


class SurveyDraft(db.Model):
    """The answers typed so far for one call's survey, kept until the survey is saved (O3)."""

    __tablename__ = "survey_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), unique=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def answer_cell(value: Any) -> Any:
    """An answer as an export's cell: choices joined with "; ", anything else as it is."""
    return "; ".join(str(item) for item in value) if isinstance(value, list) else value


@event.listens_for(SurveyAnswer.value, "set")
def _keep_answer_cells(answer: SurveyAnswer, value: Any, _old: Any, _initiator: Any) -> None:
    # A saved answer changed (a correction, a data fix): its response's copy follows, so the
    # survey CSV, which reads only the copy, never disagrees with the answers.
    response = answer.response
    if response is not None and answer.question_id is not None:
        response.answer_cells = {
            **(response.answer_cells or {}),
            str(answer.question_id): answer_cell(value),
        }
