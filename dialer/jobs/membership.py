"""Jobs of the ``calls`` queue that put agents' extensions in their PBX queues and take them out.

A view commits first, then asks for a sync of the extensions it touched. The
job reads the committed database and applies the whole plan (add, remove,
pause), so a second run, or a run that comes late, changes nothing more. One
sync per extension waits in the queue at a time: a Redis key marks it pending,
and the job clears the mark before it reads, so a change committed after the
read enqueues the next sync.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from redis.exceptions import RedisError
from rq.job import Job

from dialer.domain.notices import Notice
from dialer.domain.people import membership
from dialer.extensions import db, redis_hub
from dialer.jobs.calls import JOB_TIMEOUT_S, QUEUE, RESULT_TTL_S
from dialer.jobs.runtime import job
from dialer.telephony.port import TelephonyError
from dialer.telephony.provider import port_for

# Short: a lost job only delays the next sync this long (a repeated one does no harm).
PENDING_TTL_S = 60


def pending_key(extension: str) -> str:
    """The Redis key saying a sync of the extension waits in the queue."""
    return f"dialer:queue-sync:{extension}"


def sync_job_id(extension: str, seq: int) -> str:
    """The RQ job id of the seq-th sync of an extension."""
    return f"queue-sync-{extension}-{seq}"


def enqueue_sync(extension: str) -> Job | None:
    """Queue a sync of the extension's queue membership; None when one is already waiting."""
    client = redis_hub.client
    if not client.set(pending_key(extension), 1, nx=True, ex=PENDING_TTL_S):
        return None
    try:
        seq = int(client.incr(f"{pending_key(extension)}:seq"))
        return redis_hub.queue(QUEUE).enqueue(
            sync_extension,
            extension,
            job_id=sync_job_id(extension, seq),
            job_timeout=JOB_TIMEOUT_S,
            result_ttl=RESULT_TTL_S,
            failure_ttl=24 * 3600,
        )
    except RedisError:
        client.delete(pending_key(extension))  # no job waits: let the next change queue one
        raise


def enqueue_syncs(extensions: Iterable[str | None]) -> None:
    """Queue a sync of each extension named (blanks ignored; Redis down: the reconcile mends)."""
    for extension in sorted({e for e in extensions if e}):
        try:
            enqueue_sync(extension)
        except RedisError:
            current_app.logger.warning("could not queue the queue sync of %s", extension)


def extensions_in(notices: Iterable[Notice]) -> list[str]:
    """The extensions whose agent changed state in these notices (signed in, out, paused)."""
    found: list[str] = []
    for notice in notices:
        if notice.event != "agent":
            continue
        if notice.data.get("extension"):
            found.append(str(notice.data["extension"]))
        found.extend(str(e) for e in notice.data.get("extensions", ()) or ())
    return found


@job
def sync_extension(extension: str) -> str:
    """Make the PBX's queues hold the extension exactly as the database says."""
    redis_hub.client.delete(pending_key(extension))
    plan = membership.plan_for_extension(db.session, extension)
    db.session.rollback()  # a read only: end the transaction before talking to the PBX
    problems = membership.apply_plan(port_for(current_app.config), plan)
    joined = ", ".join(plan.join) or "none"
    summary = f"{extension}: in {joined}" + (" (paused)" if plan.paused else "")
    return summary + (f"; refused: {'; '.join(problems)}" if problems else "")


def device_states(numbers: Iterable[str]) -> dict[str, str]:
    """Each extension's device state as the PBX reports it now; "unknown" once the PBX fails.

    Asked from the extensions page: one short AMI request per extension, and
    none more after the first failure, so a PBX that is down costs one try.
    """
    port = port_for(current_app.config)
    states: dict[str, str] = {}
    failed = False
    for number in numbers:
        try:
            states[number] = "unknown" if failed else str(port.extension_state(number))
        except TelephonyError:
            failed, states[number] = True, "unknown"
    return states
