"""Saving a call's survey: every answer checked, saved exactly once per idempotency key (O3).

A double click, a retried request or two tabs all carry the same key, or hit
the one-response-per-call rule; the agent's session lock makes them run one
after the other, so the second finds the first's response and returns it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dialer.domain.errors import DomainError
from dialer.domain.notices import Notice, campaign_changed
from dialer.domain.people import agents, snapshots
from dialer.domain.people.agents import AgentError
from dialer.models import (
    AgentState,
    Call,
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyDraft,
    SurveyQuestion,
    SurveyResponse,
)
from dialer.models.surveys import answer_cell

NO_SURVEY = "no_survey"
ALREADY_SAVED = "already_saved"
UNKNOWN_CALL = "unknown_call"
KEY_REQUIRED = "idempotency_key_required"
INVALID_ANSWERS = "survey_invalid"

# Per-question problems; the web layer writes each beside its field.
REQUIRED = "required"
NOT_A_CHOICE = "not_a_choice"
NOT_A_NUMBER = "not_a_number"
OUT_OF_RANGE = "out_of_range"
NOT_YES_NO = "not_yes_no"
TOO_LONG = "too_long"

MAX_TEXT = 2000
RATING_RANGE = (1, 5)


class SurveyInvalid(DomainError):
    """Some answers are missing or wrong; ``errors`` maps question id to a problem code."""

    def __init__(self, errors: dict[int, str]) -> None:
        super().__init__(INVALID_ANSWERS, f"{len(errors)} answers need attention")
        self.errors = errors


@dataclass(frozen=True)
class Saved:
    """The call's survey response; ``is_new`` is False when an earlier request saved it."""

    response: SurveyResponse
    is_new: bool
    notices: list[Notice]


def survey_for_call(session: Session, call: Call) -> Survey | None:
    """The survey the call's campaign asks, if any."""
    return call.campaign.survey if call.campaign is not None else None


def save_answers(
    session: Session,
    user_id: int,
    call_id: int,
    idempotency_key: str,
    answers: Mapping[str, Any],
    now: datetime,
) -> Saved:
    """Validate and save the answers once; the same key again returns the first save."""
    key = (idempotency_key or "").strip()
    if not key or len(key) > 80:
        raise AgentError(KEY_REQUIRED)
    agent_session = agents.lock_agent_session(session, user_id, now)
    call = session.get(Call, call_id)
    if call is None or call.agent_id != user_id:
        raise AgentError(UNKNOWN_CALL)
    existing = session.scalar(
        select(SurveyResponse).where(
            (SurveyResponse.idempotency_key == key) | (SurveyResponse.call_id == call.id)
        )
    )
    if existing is not None:
        if existing.idempotency_key != key or existing.call_id != call.id:
            raise AgentError(ALREADY_SAVED)
        return Saved(existing, is_new=False, notices=[])
    survey = survey_for_call(session, call)
    if survey is None:
        raise AgentError(NO_SURVEY)
    values = validate_answers(survey.questions, answers)
    response = SurveyResponse(
        survey_id=survey.id,
        campaign_id=call.campaign_id,
        lead_id=call.lead_id,
        call_id=call.id,
        agent_id=user_id,
        idempotency_key=key,
        created_at=now,
        answers=[SurveyAnswer(question_id=qid, value=value) for qid, value in values.items()],
        answer_cells=answer_cells(values),
    )
    session.add(response)
    session.execute(delete(SurveyDraft).where(SurveyDraft.call_id == call.id))
    if agent_session.state == AgentState.WRAPUP and agent_session.current_call_id == call.id:
        agents.set_state(agent_session, AgentState.READY, now)
    session.flush()
    notices = [snapshots.agent_notice(session, agent_session, now)]
    if call.campaign_id is not None:
        notices.append(campaign_changed(call.campaign_id))
    return Saved(response, is_new=True, notices=notices)


def answer_cells(values: Mapping[int, Any]) -> dict[str, Any]:
    """The answers as an export's cells, by question id: choices joined with "; "."""
    # The survey CSV reads these (one JSON object a response) instead of pivoting the
    # answer rows; yes/no stay booleans, put in words in the manager's language there.
    return {str(qid): answer_cell(value) for qid, value in values.items()}


def validate_answers(questions: list[SurveyQuestion], answers: Mapping[str, Any]) -> dict[int, Any]:
    """The answers as stored (question id to value); raises SurveyInvalid naming each problem."""
    errors: dict[int, str] = {}
    values: dict[int, Any] = {}
    for question in questions:
        raw = answers.get(str(question.id))
        if _is_blank(raw):
            if question.is_required:
                errors[question.id] = REQUIRED
            continue
        value, problem = _parse(question, raw)
        if problem:
            errors[question.id] = problem
        else:
            values[question.id] = value
    if errors:
        raise SurveyInvalid(errors)
    return values


def _is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []


def _parse(question: SurveyQuestion, raw: Any) -> tuple[Any, str | None]:
    kind = question.kind
    if kind == QuestionKind.SINGLE_CHOICE:
        return (raw, None) if raw in question.options else (None, NOT_A_CHOICE)
    if kind == QuestionKind.MULTIPLE_CHOICE:
        chosen = raw if isinstance(raw, list) else [raw]
        if not all(isinstance(c, str) and c in question.options for c in chosen):
            return None, NOT_A_CHOICE
        return [o for o in question.options if o in chosen], None
    if kind == QuestionKind.YES_NO:
        return _yes_no(raw)
    if kind in (QuestionKind.NUMBER, QuestionKind.RATING):
        return _number(raw, RATING_RANGE if kind == QuestionKind.RATING else None)
    text = str(raw).strip()
    return (text, None) if len(text) <= MAX_TEXT else (None, TOO_LONG)


def _yes_no(raw: Any) -> tuple[bool | None, str | None]:
    if isinstance(raw, bool):
        return raw, None
    text = str(raw).strip().lower()
    if text in {"yes", "true", "1"}:
        return True, None
    if text in {"no", "false", "0"}:
        return False, None
    return None, NOT_YES_NO


def _number(raw: Any, bounds: tuple[int, int] | None) -> tuple[float | int | None, str | None]:
    if isinstance(raw, bool):
        return None, NOT_A_NUMBER
    try:
        number = float(str(raw).strip().replace(",", "."))
    except ValueError:
        return None, NOT_A_NUMBER
    if number != number or number in (float("inf"), float("-inf")):  # NaN or infinite
        return None, NOT_A_NUMBER
    value: float | int = int(number) if number.is_integer() else number
    if bounds is not None and (not isinstance(value, int) or not bounds[0] <= value <= bounds[1]):
        return None, OUT_OF_RANGE
    return value, None
