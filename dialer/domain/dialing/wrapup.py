"""Leaving wrap-up: the call's survey is saved (or a disposition picked) first, or the agent
says to leave it (O3).

Pressing Ready in wrap-up used to drop the lead and the typed answers without a
word; now Ready is refused while the survey of the call just ended is unsaved
and no disposition says why, unless the agent confirms that it is to be left.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.domain.campaigns.drafts import drop_draft
from dialer.domain.notices import Notice
from dialer.domain.people import agents
from dialer.models import AgentState, Call, SurveyResponse

SURVEY_UNSAVED = "survey_unsaved"


def go_ready(
    session: Session, user_id: int, now: datetime, *, is_survey_left: bool
) -> list[Notice]:
    """Back to Ready; from wrap-up only once the call's survey is saved or knowingly left."""
    agent_session = agents.lock_agent_session(session, user_id, now)
    call_id = agent_session.current_call_id
    if (
        agent_session.state == AgentState.WRAPUP
        and call_id is not None
        and is_unfinished(session, call_id)
    ):
        if not is_survey_left:
            raise agents.AgentError(SURVEY_UNSAVED)
        drop_draft(session, call_id)
    return agents.unpause(session, user_id, now)


def is_unfinished(session: Session, call_id: int) -> bool:
    """True when the call's campaign asks a survey, none is saved, and no disposition was picked."""
    call = session.get(Call, call_id)
    if call is None or call.campaign is None or call.campaign.survey_id is None:
        return False
    if call.disposition_id is not None:
        return False  # e.g. "not interested": the customer gave no answers to save
    saved = session.scalar(select(SurveyResponse.id).where(SurveyResponse.call_id == call_id))
    return saved is None
