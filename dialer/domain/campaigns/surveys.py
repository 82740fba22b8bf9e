"""The survey designer's rules: ordered, typed questions; an answered survey is versioned (M3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from dialer.domain.errors import DomainError
from dialer.models import Campaign, QuestionKind, Survey, SurveyQuestion, SurveyResponse

CHOICE_KINDS = (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)
MAX_QUESTIONS = 100
MAX_OPTIONS = 50


@dataclass
class QuestionSpec:
    """One question as the designer submits it."""

    kind: str
    text: str
    options: list[str] = field(default_factory=list)
    is_required: bool = False

    @classmethod
    def of(cls, question: SurveyQuestion) -> QuestionSpec:
        """The spec of a stored question."""
        return cls(question.kind, question.text, list(question.options or []), question.is_required)


class SurveyError(DomainError):
    """A survey the designer cannot save; ``position`` is the 1-based question at fault."""

    def __init__(self, code: str, message: str, position: int | None = None, **values: Any) -> None:
        super().__init__(code, message, **values)
        self.position = position
        self.values = values


def check_questions(specs: list[QuestionSpec]) -> list[QuestionSpec]:
    """The questions cleaned (texts trimmed, options only where they belong); SurveyError if bad."""
    if not specs:
        raise SurveyError("no_questions", "a survey needs at least one question")
    if len(specs) > MAX_QUESTIONS:
        raise SurveyError("too_many", f"at most {MAX_QUESTIONS} questions", max=MAX_QUESTIONS)
    cleaned = []
    for position, spec in enumerate(specs, start=1):
        if spec.kind not in set(QuestionKind):
            raise SurveyError("kind_unknown", f"question {position}: unknown type", position)
        text = spec.text.strip()
        if not text:
            raise SurveyError("text_missing", f"question {position} has no text", position)
        options: list[str] = []
        if spec.kind in CHOICE_KINDS:
            options = list(dict.fromkeys(o.strip() for o in spec.options if o.strip()))
            if len(options) < 2:
                raise SurveyError(
                    "options_missing", f"question {position} needs two or more options", position
                )
            if len(options) > MAX_OPTIONS:
                raise SurveyError(
                    "options_too_many", f"question {position}: too many options", position
                )
        cleaned.append(QuestionSpec(spec.kind, text, options, bool(spec.is_required)))
    return cleaned


def create_survey(
    session: Session, name: str, specs: list[QuestionSpec], description: str = ""
) -> Survey:
    """A new survey (version 1 of its own family)."""
    survey = Survey(name=_checked_name(name), description=description.strip(), version=1)
    survey.questions = _questions(check_questions(specs))
    session.add(survey)
    session.flush()
    survey.family_id = survey.id
    session.flush()
    return survey


def is_answered(session: Session, survey: Survey) -> bool:
    """True once any call has saved answers to this version."""
    return bool(session.scalar(select(func.count()).where(SurveyResponse.survey_id == survey.id)))


def revise_survey(
    session: Session, survey: Survey, name: str, specs: list[QuestionSpec], description: str = ""
) -> Survey:
    """Store the edit; an answered survey gets a new version and its campaigns move to it.

    Returns the survey that now holds the edit (the same one when nobody answered it).
    """
    cleaned = check_questions(specs)
    name = _checked_name(name)
    if not is_answered(session, survey):
        survey.name, survey.description = name, description.strip()
        # Replaced whole: two flushes keep (survey, position) unique while they move.
        survey.questions.clear()
        session.flush()
        survey.questions.extend(_questions(cleaned))
        session.flush()
        return survey
    family = survey.family_id or survey.id
    latest = session.scalar(
        select(func.max(Survey.version)).where((Survey.family_id == family) | (Survey.id == family))
    )
    version = Survey(
        family_id=family,
        version=(latest or survey.version) + 1,
        name=name,
        description=description.strip(),
        is_current=True,
    )
    version.questions = _questions(cleaned)
    session.add(version)
    session.flush()
    in_family = (Survey.family_id == family) | (Survey.id == family)
    session.execute(
        update(Survey).where(in_family, Survey.id != version.id).values(is_current=False)
    )
    session.execute(
        update(Campaign).where(Campaign.survey_id == survey.id).values(survey_id=version.id)
    )
    session.flush()
    return version


def current_surveys(session: Session) -> list[Survey]:
    """The latest version of every survey, by name."""
    return list(session.scalars(select(Survey).where(Survey.is_current).order_by(Survey.name)))


def _questions(specs: list[QuestionSpec]) -> list[SurveyQuestion]:
    return [
        SurveyQuestion(
            position=position,
            kind=spec.kind,
            text=spec.text,
            options=spec.options,
            is_required=spec.is_required,
        )
        for position, spec in enumerate(specs, start=1)
    ]


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise SurveyError("name_missing", "a survey needs a name")
    return name[:120]
