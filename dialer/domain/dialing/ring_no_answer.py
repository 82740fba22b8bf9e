"""The agent's own phone failing: told apart from the customer's outcome (the RingNoAnswer warning).

An agent-first call whose agent leg never answered did not reach the customer:
the agent is told "your phone did not answer" (or "is busy"), the lead is not
charged, and an agent whose phone goes unanswered several calls in a row has
walked away: they are paused with the system reason "ring_no_answer", so they
stop holding leads and hurting their figures.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.domain.people import agents
from dialer.models import (
    AgentSession,
    AgentState,
    Call,
    CallState,
    CallStatus,
    Campaign,
    PauseReason,
)
from dialer.telephony.port import Party

NO_ANSWER = "no_answer"
BUSY = "busy"
RING_NO_ANSWER_REASON = "ring_no_answer"

# Consecutive unanswered agent legs before the agent is paused (the manual's default), for a
# call outside any campaign; each campaign sets its own (``Campaign.ring_no_answer_limit``).
PAUSE_AFTER = 2

_BUSY_CAUSES = frozenset({17})  # Q.850 user busy
_AGENT_LEG_STATES = frozenset({CallState.ORIGINATING, CallState.RINGING})


def agent_leg_failure(call: Call, status: CallStatus, cause: int | None) -> str | None:
    """``busy`` or ``no_answer`` when the call ended on the agent's own phone, else None."""
    if call.state not in _AGENT_LEG_STATES or call.hung_up_by == Party.AGENT:
        return None  # never sent, past the agent's phone, or the agent cancelled
    if cause in _BUSY_CAUSES:
        return BUSY
    return NO_ANSWER if status in (CallStatus.FAIL, CallStatus.CANCEL) else None


def limit_for(session: Session, campaign_id: int | None) -> int:
    """The campaign's count of unanswered agent legs before a pause (0: never)."""
    campaign = session.get(Campaign, campaign_id) if campaign_id is not None else None
    return PAUSE_AFTER if campaign is None else campaign.ring_no_answer_limit


def pause_if_away(
    session: Session, agent_session: AgentSession, now: datetime, *, after: int = PAUSE_AFTER
) -> bool:
    """Pause a Ready agent whose last ``after`` calls this session all rang out on their phone."""
    if after < 1 or agent_session.state != AgentState.READY:
        return False
    legs = session.scalars(
        select(Call.agent_leg)
        .where(
            Call.agent_id == agent_session.user_id,
            Call.created_at >= agent_session.login_at,
            Call.state == CallState.ENDED,
        )
        .order_by(Call.created_at.desc(), Call.id.desc())
        .limit(after)
    ).all()
    if len(legs) < after or any(leg != NO_ANSWER for leg in legs):
        return False
    agents.start_pause(session, agent_session, ring_no_answer_reason(session), now)
    return True


def ring_no_answer_reason(session: Session) -> PauseReason:
    """The system's "ring no answer" pause reason."""
    return agents.system_reason(
        session, RING_NO_ANSWER_REASON, "Phone not answered", "Không nhấc máy", 998
    )
