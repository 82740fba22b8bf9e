"""Call recordings: which calls are recorded, who may play one, when it is deleted.

The PBX records (MixMonitor, asked through the telephony port) into its
recordings directory; the call row keeps the file name, and keeps the time the
retention sweep deleted it, so the history still says there was a recording.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.domain.dialing.inbound import find_queue_call
from dialer.models import Call, CallState, Campaign, Direction, Queue, Role, User
from dialer.telephony.port import RecordCall

# The agent's own call stays playable for the wrap-up after it, while it is their latest.
WRAPUP_WINDOW = timedelta(minutes=15)
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def recording_name(call: Call) -> str:
    """The file name of the call's recording: its id and uid, nothing a path could abuse."""
    return f"call-{call.id}-{_UNSAFE.sub('', call.call_uid)[:40]}.wav"


def is_wanted(session: Session, call: Call) -> bool:
    """True when the call's campaign (outbound) or queue (inbound) records its calls."""
    if call.direction == Direction.INBOUND:
        queue = session.scalar(select(Queue).where(Queue.name == (call.queue or "")))
        return queue is None or queue.record_calls
    campaign = session.get(Campaign, call.campaign_id) if call.campaign_id else None
    return campaign is None or campaign.record_calls


def plan_recording(
    session: Session, *, call_uid: str | None = None, call_ref: str | None = None
) -> tuple[int, RecordCall] | None:
    """Name the connected call's recording once; the request for the PBX, or None."""
    call = (
        session.scalar(select(Call).where(Call.call_uid == call_uid))
        if call_uid
        else find_queue_call(session, call_ref or "")
    )
    if call is None or call.state != CallState.CONNECTED or call.recording_ref:
        return None
    if not is_wanted(session, call):
        return None
    call.recording_ref = recording_name(call)
    if call.direction == Direction.INBOUND:
        return call.id, RecordCall(call.recording_ref, call_ref=call.ami_linkedid)
    return call.id, RecordCall(call.recording_ref, call_uid=call.call_uid)


def request_for(call: Call) -> RecordCall | None:
    """The PBX request that records the call under its planned name."""
    if not call.recording_ref or call.state != CallState.CONNECTED:
        return None
    if call.direction == Direction.INBOUND:
        return RecordCall(call.recording_ref, call_ref=call.ami_linkedid)
    return RecordCall(call.recording_ref, call_uid=call.call_uid)


def recording_file(directory: str | Path, call: Call) -> Path | None:
    """The call's recording on disk, or None (never recorded, deleted, or missing)."""
    if not call.recording_ref or call.recording_deleted_at is not None:
        return None
    base = Path(directory).resolve()
    path = (base / call.recording_ref).resolve()
    if path.parent != base or not path.is_file():
        return None
    return path


def may_play(session: Session, user: User, call: Call, now: datetime) -> bool:
    """Supervisors and managers may play any recording; the call's agent only in its wrap-up."""
    if user.has_role(Role.SUPERVISOR, Role.MANAGER):
        return True
    if call.agent_id != user.id or call.ended_at is None:
        return call.agent_id == user.id and call.state == CallState.CONNECTED
    later = session.scalar(
        select(Call.id).where(Call.agent_id == user.id, Call.created_at > call.created_at).limit(1)
    )
    return later is None and now - call.ended_at <= WRAPUP_WINDOW


def purge_recordings(session: Session, directory: str | Path, now: datetime, days: int) -> int:
    """Delete the recordings of calls older than ``days`` days; how many were deleted."""
    if days <= 0:
        return 0
    cutoff = now - timedelta(days=days)
    calls = session.scalars(
        select(Call).where(
            Call.recording_ref.is_not(None),
            Call.recording_deleted_at.is_(None),
            Call.created_at < cutoff,
        )
    ).all()
    base = Path(directory).resolve()
    for call in calls:
        path = (base / (call.recording_ref or "")).resolve()
        if path.parent == base:
            path.unlink(missing_ok=True)
        call.recording_deleted_at = now
    return len(calls)
