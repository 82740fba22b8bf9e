"""Survey drafts: the answers typed so far, kept per call so a reload or a language switch loses
nothing (O3). A draft is not validated (it is half-typed by nature), only bounded in size; the
survey's Save validates. A saved survey makes its draft pointless, so the draft goes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dialer.domain.campaigns.answers import MAX_TEXT, UNKNOWN_CALL, survey_for_call
from dialer.domain.people import agents
from dialer.domain.people.agents import AgentError
from dialer.models import Call, SurveyDraft, SurveyResponse

DRAFT_INVALID = "draft_invalid"

MAX_CHOICES = 50


def save_draft(
    session: Session, user_id: int, call_id: int, answers: Mapping[str, Any], now: datetime
) -> bool:
    """Keep the answers typed so far for the agent's call; False when the survey is already saved.

    Only the survey's own questions are kept, each value a string, a number, a
    yes/no or a short list of strings; anything else refuses the whole draft.
    """
    agents.lock_agent_session(session, user_id, now)
    call = session.get(Call, call_id)
    if call is None or call.agent_id != user_id:
        raise AgentError(UNKNOWN_CALL)
    survey = survey_for_call(session, call)
    if survey is None:
        return False
    if session.scalar(select(SurveyResponse.id).where(SurveyResponse.call_id == call.id)):
        return False
    kept = _bounded(answers, {str(q.id) for q in survey.questions})
    draft = session.scalar(select(SurveyDraft).where(SurveyDraft.call_id == call.id))
    if draft is None:
        session.add(SurveyDraft(call_id=call.id, agent_id=user_id, answers=kept, updated_at=now))
    else:
        draft.answers = kept
        draft.updated_at = now
    return True


def draft_answers(session: Session, call_id: int | None) -> dict[str, Any]:
    """The draft answers of a call (empty when there is none)."""
    if call_id is None:
        return {}
    answers = session.scalar(select(SurveyDraft.answers).where(SurveyDraft.call_id == call_id))
    return dict(answers or {})


def drop_draft(session: Session, call_id: int) -> None:
    """Forget a call's draft (its survey is saved)."""
    session.execute(delete(SurveyDraft).where(SurveyDraft.call_id == call_id))


def _bounded(answers: Mapping[str, Any], question_ids: set[str]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, value in answers.items():
        if str(key) not in question_ids:
            continue
        if not _is_draft_value(value):
            raise AgentError(DRAFT_INVALID)
        kept[str(key)] = value
    return kept


def _is_draft_value(value: Any) -> bool:
    if value is None or isinstance(value, bool | int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        return len(value) <= MAX_TEXT
    if isinstance(value, list):
        return len(value) <= MAX_CHOICES and all(
            isinstance(v, str) and len(v) <= MAX_TEXT for v in value
        )
    return False
