"""Calls the product lost sight of: the PBX no longer has them, the link was down, or the
Originate never heard back. Each is closed as it stood, its lead settled by the campaign's
rules (O4).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from dialer.domain.dialing.calls import CUT_AFTER_ANSWER_S, ORIGINATE_GRACE_S, end_call, lock_call
from dialer.domain.notices import Notice
from dialer.models import Call, CallState, CallStatus, Direction
from dialer.telephony.port import Party


def end_unreachable_call(session: Session, call_id: int, now: datetime) -> list[Notice]:
    """The PBX has no channel left for a call we think is up: close it as it stands."""
    call = lock_call(session, call_id, now)
    if call is None or call.state == CallState.ENDED:
        return []
    status = CallStatus.ANSWER if call.answered_at else CallStatus.FAIL
    return end_call(session, call, status, now, cause_text="no channel at the PBX")


def end_lost_call(
    session: Session, call_id: int, last_seen: datetime, now: datetime, *, detail: str
) -> list[Notice]:
    """Close a call the product lost sight of (the PBX link was down), ended at ``last_seen``.

    Nobody saw how it ended, so it counts as answered only when it had talked
    for ``CUT_AFTER_ANSWER_S`` by then; a call cut sooner is FAIL and its lead is
    retried by the campaign's rule. It costs the lead an attempt even when, as
    last seen, only the agent's phone rang: the customer may have been dialled
    since, unseen, and a lead must never be dialled more often than its attempts say.
    """
    call = lock_call(session, call_id, now)
    if call is None or call.state == CallState.ENDED:
        return []
    end = max(last_seen, call.answered_at or call.created_at)
    talked = call.answered_at is not None and (end - call.answered_at).total_seconds()
    status = CallStatus.ANSWER if talked and talked >= CUT_AFTER_ANSWER_S else CallStatus.FAIL
    call.hung_up_by = call.hung_up_by or Party.SYSTEM
    return end_call(session, call, status, now, cause_text=detail, estimated_end=end)


def reconcile_calls(
    session: Session,
    live_call_uids: set[str],
    now: datetime,
    *,
    grace_s: int = ORIGINATE_GRACE_S,
    last_seen: datetime | None = None,
) -> list[Notice]:
    """Close the calls we believe are up that the PBX no longer has (after a reconnect).

    A call whose Originate left less than ``grace_s`` ago may not have a
    channel yet. With ``last_seen`` (when the link went down) the calls end
    then, estimated, as :func:`end_lost_call` says.
    """
    cutoff = now - timedelta(seconds=grace_s)
    suspects = session.execute(
        select(Call.id, Call.call_uid).where(
            # Inbound calls carry no call id of ours: inbound.reconcile_queue_calls closes them.
            Call.direction == Direction.OUTBOUND,
            Call.state.in_([CallState.RINGING, CallState.DIALING, CallState.CONNECTED])
            | ((Call.state == CallState.ORIGINATING) & (Call.created_at < cutoff)),
        )
    ).all()
    notices: list[Notice] = []
    for call_id, call_uid in suspects:
        if call_uid in live_call_uids:
            continue
        if last_seen is None:
            notices += end_unreachable_call(session, call_id, now)
        else:
            notices += end_lost_call(
                session, call_id, last_seen, now, detail="no channel at the PBX"
            )
    return notices


def ended_call_uids(session: Session, call_uids: set[str]) -> set[str]:
    """Of these call ids, those of calls we have already ended (the PBX must not keep them)."""
    if not call_uids:
        return set()
    return set(
        session.scalars(
            select(Call.call_uid).where(Call.call_uid.in_(call_uids), Call.state == CallState.ENDED)
        )
    )


def _stale(now: datetime, stale_after_s: int, states: list[CallState]) -> Select[tuple[int]]:
    return select(Call.id).where(
        # A caller may wait in a queue for minutes: only our Originates can go stale.
        Call.direction == Direction.OUTBOUND,
        Call.state.in_(states),
        Call.ringing_at.is_(None),
        Call.created_at < now - timedelta(seconds=stale_after_s),
    )


def stale_sent_calls(session: Session, now: datetime, *, stale_after_s: int) -> dict[str, int]:
    """The stale calls whose Originate left (the PBX may have them unseen): id by call uid."""
    rows = session.execute(
        select(Call.call_uid, Call.id).where(
            Call.id.in_(_stale(now, stale_after_s, [CallState.ORIGINATING]))
        )
    )
    return {call_uid: call_id for call_uid, call_id in rows}


def close_stale_calls(
    session: Session, now: datetime, *, stale_after_s: int, still_up: Collection[int] = ()
) -> list[Notice]:
    """Close calls that never heard from the PBX (never sent, or lost): the agent is freed.

    ``still_up``: calls the PBX turned out to have (just hung up by the caller of this):
    left for the PBX's own report of their end, or for the next sweep.
    """
    stale = session.scalars(
        _stale(now, stale_after_s, [CallState.QUEUED, CallState.ORIGINATING])
    ).all()
    notices: list[Notice] = []
    for call_id in stale:
        if call_id in still_up:
            continue
        call = lock_call(session, call_id, now)
        if call is not None and call.state in (CallState.QUEUED, CallState.ORIGINATING):
            never_sent = call.state == CallState.QUEUED
            detail = "not dialled" if never_sent else "no answer from the PBX"
            notices += end_call(session, call, CallStatus.FAIL, now, cause_text=detail)
    return notices
