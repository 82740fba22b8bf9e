"""Jobs of the ``calls`` queue: originate a call, hang one up, ask the PBX about a phone.

Each job takes ids, checks the state first and does nothing on a second run:
the originate job has a deterministic id per call and the domain marks the call
sent before the Originate leaves, so one call is dialled at most once.
"""

from __future__ import annotations

from contextlib import suppress

from flask import current_app
from redis.exceptions import RedisError
from rq.job import Job

from dialer import live
from dialer.domain.dialing import lost_calls
from dialer.domain.dialing import outbound as dialing
from dialer.domain.people import agents
from dialer.extensions import db, redis_hub
from dialer.jobs.runtime import job
from dialer.models import AgentSession, Call, CallState, utcnow
from dialer.telephony.port import ExtensionStateChanged, NotSent, TelephonyError
from dialer.telephony.provider import port_for

QUEUE = "calls"
# A job not started within this time is stale: the call is closed by the sweep instead.
JOB_TIMEOUT_S = 30
RESULT_TTL_S = 600


def originate_job_id(call_id: int) -> str:
    """The one RQ job id of a call's Originate: enqueueing twice keeps one job."""
    return f"originate-{call_id}"


def enqueue_originate(call_id: int) -> Job:
    """Queue the Originate of a committed call; a second enqueue returns the first job."""
    job_id = originate_job_id(call_id)
    # RQ would push a repeated job id onto the queue twice: claim the id first.
    if not redis_hub.client.set(f"dialer:{job_id}", 1, nx=True, ex=24 * 3600):
        return Job.fetch(job_id, connection=redis_hub.client)
    return redis_hub.queue(QUEUE).enqueue(
        originate,
        call_id,
        job_id=job_id,
        job_timeout=JOB_TIMEOUT_S,
        result_ttl=RESULT_TTL_S,
        failure_ttl=24 * 3600,
    )


def _hangup_pending_key(call_id: int) -> str:
    return f"dialer:hangup-pending-{call_id}"


def enqueue_hangup(call_id: int) -> Job | None:
    """Queue the hang-up of a call the agent ended from the screen; None when one is waiting.

    Clicks while a hang-up waits for a worker add nothing (a worker that was down came back
    to one job per call, not one per click); once that job starts, a click queues again.
    """
    pending = _hangup_pending_key(call_id)
    if not redis_hub.client.set(pending, 1, nx=True, ex=JOB_TIMEOUT_S):
        return None
    try:
        return redis_hub.queue(QUEUE).enqueue(
            hangup, call_id, job_timeout=JOB_TIMEOUT_S, result_ttl=RESULT_TTL_S
        )
    except RedisError:
        # Not queued: the next click must queue it (the key expires anyway, if Redis is away).
        with suppress(RedisError):
            redis_hub.client.delete(pending)
        raise


CHECK_ROUNDS = 3  # looks at the agent's phone before its state is taken as settled


def enqueue_extension_check(agent_session_id: int) -> Job:
    """Queue a look at the agent's phone (registered or not) after login."""
    return redis_hub.queue(QUEUE).enqueue(
        check_extension, agent_session_id, job_timeout=JOB_TIMEOUT_S, result_ttl=RESULT_TTL_S
    )


@job
def originate(call_id: int) -> str:
    """Send the call's Originate once; a refused or failed call ends FAIL with the reason."""
    config = current_app.config
    request, notices = dialing.prepare_originate(
        db.session,
        call_id,
        utcnow(),
        ring_timeout_s=config["AMI_ORIGINATE_TIMEOUT"],
        dial_timeout_s=config["AMI_ORIGINATE_TIMEOUT"],
    )
    live.commit_then_publish(notices)
    if request is None:
        return "not sent"
    try:
        port_for(config).originate_agent_first(request)
    except TelephonyError as error:
        is_sent = not isinstance(error, NotSent)
        live.commit_then_publish(
            dialing.fail_originate(db.session, call_id, utcnow(), str(error), is_sent=is_sent)
        )
        raise
    return "sent"


@job
def hangup(call_id: int) -> str:
    """Hang up the call at the PBX; a call the PBX no longer has is closed as it stands."""
    redis_hub.client.delete(_hangup_pending_key(call_id))
    call = db.session.get(Call, call_id)
    if call is None or call.state == CallState.ENDED:
        return "already over"
    if port_for(current_app.config).hangup(call.call_uid):
        return "hung up"
    live.commit_then_publish(lost_calls.end_unreachable_call(db.session, call_id, utcnow()))
    return "nothing to hang up"


@job
def check_extension(agent_session_id: int) -> str:
    """Ask the PBX whether the agent's phone is registered; block calling when it is not."""
    agent_session = db.session.get(AgentSession, agent_session_id)
    if agent_session is None or agent_session.logout_at is not None:
        return "signed out"
    number = agent_session.extension.number
    port = port_for(current_app.config)
    state = port.extension_state(number)
    # The listener applies every change the PBX announces; this look is for a phone that was
    # already away at sign-in (no change to announce). A change announced between the look
    # and the write would be overwritten by the older answer: look again after writing, and
    # write again until the PBX says what was written.
    for _ in range(CHECK_ROUNDS):
        event = ExtensionStateChanged(at=utcnow(), extension=number, state=state)
        live.commit_then_publish(agents.apply_extension_state(db.session, event))
        again = port.extension_state(number)
        if again == state:
            break
        state = again
    return str(state)
