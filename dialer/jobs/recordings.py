"""The recording job: ask the PBX to record a connected call.

The record job runs on the ``calls`` queue, whose worker holds the PBX connection.
"""

from __future__ import annotations

from flask import current_app
from rq.job import Job

from dialer.domain.dialing import recordings
from dialer.extensions import db, redis_hub
from dialer.jobs.runtime import job
from dialer.models import Call
from dialer.telephony.provider import port_for

QUEUE = "calls"
JOB_TIMEOUT_S = 30


def enqueue_recording(call_id: int) -> Job:
    """Queue the MixMonitor of a call whose recording was just named (once per call)."""
    return redis_hub.queue(QUEUE).enqueue(
        record, call_id, job_id=f"record-{call_id}", job_timeout=JOB_TIMEOUT_S, result_ttl=600
    )


@job
def record(call_id: int) -> str:
    """Ask the PBX to record the call; a call already over is left as it is."""
    call = db.session.get(Call, call_id)
    request = recordings.request_for(call) if call is not None else None
    if request is None:
        return "not connected"
    if port_for(current_app.config).start_recording(request):
        return "recording"
    call.recording_ref = None  # nothing was recorded: do not promise a file
    db.session.commit()
    return "call gone"
