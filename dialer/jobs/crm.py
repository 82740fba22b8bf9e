"""Jobs of the ``crm`` queue: make a call's helpdesk link, deliver a webhook.

The helpdesk is never on the agent's path: the desktop saves the choice and
returns; these jobs do the HTTP, retrying with backoff (a 429's Retry-After is
honoured) while the link shows as pending, and record a final failure with its
reason for the agent and the admin to see.
"""

from __future__ import annotations

import time
from typing import Any

from flask import current_app
from redis.exceptions import RedisError
from rq.job import Job

from dialer import live
from dialer.domain.crm import display, links, settings, webhooks
from dialer.domain.crm.http import JOB_TIMEOUT_S
from dialer.domain.crm.notes import NoteContext
from dialer.domain.crm.panel import link_json
from dialer.domain.crm.port import CrmError
from dialer.domain.errors import DomainError
from dialer.extensions import db, redis_hub
from dialer.jobs.runtime import job
from dialer.models import CrmLink, utcnow

QUEUE = "crm"
MAX_ATTEMPTS = 5
MAX_WAIT_S = 60.0  # a longer Retry-After ends the job's tries; the link says why
# Attempts x (timeout + wait) stays well inside this.
JOB_TIMEOUT = 600


def link_job_id(link_id: int) -> str:
    """One job per link: a double enqueue keeps one."""
    return f"crm-link-{link_id}"


def enqueue_link(link_id: int) -> Job | None:
    """Queue the helpdesk work of a pending link (once per link)."""
    job_id = link_job_id(link_id)
    if not redis_hub.client.set(f"dialer:{job_id}", 1, nx=True, ex=24 * 3600):
        return None
    return redis_hub.queue(QUEUE).enqueue(
        link_call, link_id, job_id=job_id, job_timeout=JOB_TIMEOUT, failure_ttl=24 * 3600
    )


def display_job_id(call_id: int) -> str:
    """One in-app pop-up per call: the panel asks on ringing and again on connect."""
    return f"crm-display-{call_id}"


def enqueue_display(call_id: int, contact_ref: str | None = None) -> Job | None:
    """Queue the in-app pop-up of the call's caller (once per call)."""
    job_id = display_job_id(call_id)
    if not redis_hub.client.set(f"dialer:{job_id}", 1, nx=True, ex=24 * 3600):
        return None
    return redis_hub.queue(QUEUE).enqueue(
        display_caller,
        call_id,
        contact_ref,
        job_id=job_id,
        job_timeout=JOB_TIMEOUT,
        result_ttl=600,
        failure_ttl=24 * 3600,
    )


def enqueue_webhooks(notices: list[Any]) -> None:
    """Record and queue the webhooks the notices of a committed transaction announce."""
    pairs = webhooks.events_of(notices)
    if pairs:
        enqueue_events(pairs)


def enqueue_survey_webhook(call_id: int) -> None:
    """Announce a saved survey to the other CRM; a Redis outage loses only the webhook."""
    try:
        enqueue_events([(call_id, "survey.saved")])
    except RedisError:
        current_app.logger.warning("survey webhook of call %s not queued", call_id)


def enqueue_events(pairs: list[tuple[int, str]]) -> None:
    """Record each (call, event) delivery once and queue it, when a webhook is configured."""
    target = settings.load(db.session)
    if not target.webhook_url:
        return
    for call_id, event in pairs:
        delivery = webhooks.record_event(db.session, call_id, event, target.webhook_url)
        db.session.commit()
        if delivery is not None:
            redis_hub.queue(QUEUE).enqueue(
                deliver_webhook, delivery.id, job_timeout=JOB_TIMEOUT, failure_ttl=24 * 3600
            )


def _wait_s(attempt: int, retry_after_s: float | None) -> float:
    base = float(current_app.config.get("DIALER_CRM_RETRY_BASE_S", 2.0))
    if retry_after_s is not None:
        return retry_after_s
    return base * (2 ** (attempt - 1))


def _tell_agent(link_id: int) -> None:
    link = db.session.get(CrmLink, link_id)
    if link is not None:
        data = {"call_id": link.call_id, "link": link_json(link)}
        live.publish(redis_hub.client, link.agent_id, "crm_link", data)


@job
def link_call(link_id: int) -> str:
    """Make the link at the helpdesk, retrying transient failures; its final status."""
    config = current_app.config
    context = NoteContext(config["DIALER_PUBLIC_URL"], config["DIALER_TIMEZONE"])
    for attempt_no in range(1, MAX_ATTEMPTS + 1):
        try:
            connector = settings.connector_for(
                db.session, config["DIALER_CRM_KEY"], timeout_s=JOB_TIMEOUT_S
            )
        except (DomainError, CrmError) as error:  # unreadable credentials: nothing will work
            link = db.session.get(CrmLink, link_id)
            link.status, link.last_error, link.done_at = "failed", error.code, utcnow()
            db.session.commit()
            _tell_agent(link_id)
            return "failed"
        try:
            attempt = links.perform_link(
                db.session,
                link_id,
                connector,
                context,
                utcnow(),
                region=config["DIALER_DEFAULT_REGION"],
            )
            if attempt.status == "linked":
                db.session.commit()  # the link stands whatever the pop-up does
                _show_ticket(link_id, connector)
        finally:
            settings.release(connector)
        db.session.commit()
        _tell_agent(link_id)
        if not attempt.should_retry:
            return attempt.status
        wait = _wait_s(attempt_no, attempt.error.retry_after_s if attempt.error else None)
        if attempt_no == MAX_ATTEMPTS or wait > MAX_WAIT_S:
            break
        time.sleep(wait)
    links.give_up(db.session, link_id, utcnow())
    db.session.commit()
    _tell_agent(link_id)
    return "failed"


def _show_ticket(link_id: int, connector: Any) -> None:
    """The in-app pop-up of the linked ticket; a helpdesk that refuses costs only the pop-up."""
    if not display.is_wanted(db.session):
        return
    try:
        outcome = display.show_linked_ticket(db.session, link_id, connector)
    except CrmError as error:
        outcome = f"failed: {error.code}"
    db.session.rollback()  # read only
    current_app.logger.info("crm link %s: ticket pop-up %s", link_id, outcome)


@job
def display_caller(call_id: int, contact_ref: str | None = None) -> str:
    """Open the caller in the agent's helpdesk screen (in-app pop-up); what came of it.

    One try: a pop-up that comes late is of no use to the agent, so it is not retried.
    """
    config = current_app.config
    if not display.is_wanted(db.session):
        return "not in-app"
    try:
        connector = settings.connector_for(
            db.session, config["DIALER_CRM_KEY"], timeout_s=JOB_TIMEOUT_S
        )
    except (DomainError, CrmError) as error:
        return f"failed: {error.code}"
    try:
        return display.show_caller(
            db.session,
            call_id,
            connector,
            region=config["DIALER_DEFAULT_REGION"],
            contact_ref=contact_ref,
        )
    except CrmError as error:
        return f"failed: {error.code}"
    finally:
        settings.release(connector)
        db.session.rollback()  # read only


@job
def deliver_webhook(delivery_id: int) -> str:
    """POST the signed delivery until a 2xx, a refusal that will not change, or the last try."""
    target = settings.webhook_target(db.session, current_app.config["DIALER_CRM_KEY"])
    if target is None:
        return "no webhook"
    _, secret = target
    for attempt_no in range(1, MAX_ATTEMPTS + 1):
        result = webhooks.attempt_delivery(db.session, delivery_id, secret, utcnow())
        db.session.commit()
        if result.delivered:
            return "delivered"
        wait = _wait_s(attempt_no, result.retry_after_s)
        if result.is_final_failure or attempt_no == MAX_ATTEMPTS or wait > MAX_WAIT_S:
            break
        time.sleep(wait)
    webhooks.give_up(db.session, delivery_id)
    db.session.commit()
    return "failed"
