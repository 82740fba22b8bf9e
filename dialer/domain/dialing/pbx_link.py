"""The PBX out of sight: every screen is told, and calls nobody can see any more are ended.

While the AMI link is down no event arrives, so a call's end would never be
heard. Once the link has been down for the grace period the calls we believe
up are ended as of the moment the link went down (marked estimated); agents
are then free to go on. Calls that ended while the link was down and that the
PBX no longer lists when it comes back are closed by ``lost_calls.reconcile_calls``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.domain.dialing.lost_calls import end_lost_call
from dialer.domain.notices import Notice
from dialer.models import AgentSession, Call, CallState, Direction

PBX_UNREACHABLE = "pbx_unreachable"

_UP_STATES = (CallState.ORIGINATING, CallState.RINGING, CallState.DIALING, CallState.CONNECTED)


def link_notices(session: Session, health: str, since: datetime | None) -> list[Notice]:
    """The "pbx" live update for every signed-in agent's screen (and the wallboard)."""
    data = {"health": health, "since": since.isoformat() if since else None}
    user_ids = session.scalars(
        select(AgentSession.user_id).where(AgentSession.logout_at.is_(None)).distinct()
    ).all()
    if not user_ids:
        return [Notice(None, "pbx", data)]
    return [Notice(user_id, "pbx", data) for user_id in user_ids]


def end_calls_lost_with_pbx(
    session: Session, down_since: datetime, now: datetime, *, grace_s: int
) -> list[Notice]:
    """After ``grace_s`` of link down, end our calls still up as of ``down_since`` (estimated)."""
    if now - down_since < timedelta(seconds=grace_s):
        return []
    call_ids = session.scalars(
        select(Call.id).where(Call.direction == Direction.OUTBOUND, Call.state.in_(_UP_STATES))
    ).all()
    notices: list[Notice] = []
    for call_id in call_ids:
        notices += end_lost_call(session, call_id, down_since, now, detail="PBX unreachable")
    return notices
