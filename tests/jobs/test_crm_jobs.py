"""The crm queue's jobs in a real RQ worker: webhooks announced by call notices, signed and
retried; the production check for the credentials' key."""

from __future__ import annotations

from datetime import UTC, datetime

from rq import Worker
from sqlalchemy import select

from dialer.domain.crm import settings
from dialer.domain.crm.settings import HelpdeskInput
from dialer.domain.notices import Notice
from dialer.extensions import db, redis_hub
from dialer.jobs import crm as crm_jobs
from dialer.jobs.runtime import bind_app
from dialer.models import WebhookAttempt, WebhookDelivery
from dialer.schema import schema_problem
from tests.domain.crm.test_crm_settings import Verifier
from tests.factories.calls import outbound_call
from tests.factories.people import make_agent

AT = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def test_call_notices_become_signed_webhooks_retried_until_delivered(ctx) -> None:
    ctx.config["DIALER_CRM_RETRY_BASE_S"] = 0.05
    receiver = Verifier("hook-secret", answers=[500, 429])
    try:
        settings.configure(
            db.session,
            ctx.config["DIALER_CRM_KEY"],
            HelpdeskInput("generic", webhook_url=receiver.url, webhook_secret="hook-secret"),
        )
        agent, _ = make_agent(db.session, "agent7", "1007", now=AT)
        call = outbound_call(db.session, agent, "0901234567", AT)
        db.session.commit()
        notices = [
            Notice(agent.id, "call", {"id": call.id, "state": "ringing"}),
            Notice(agent.id, "call", {"id": call.id, "state": "connected"}),
            Notice(agent.id, "call", {"id": call.id, "state": "connected"}),  # said twice
            Notice(agent.id, "inbound_ended", {"call_id": call.id, "status": "ANSWER"}),
            Notice(agent.id, "agent", {"state": "ready"}),  # not a call event
        ]

        crm_jobs.enqueue_webhooks(notices)
        crm_jobs.enqueue_webhooks(notices)  # a second report of the same events sends nothing
        bind_app(ctx)
        Worker([redis_hub.queue(crm_jobs.QUEUE)], connection=redis_hub.client).work(burst=True)
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()

    db.session.expire_all()
    deliveries = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
    assert [(d.event, d.status) for d in deliveries] == [
        ("call.start", "delivered"),
        ("call.answer", "delivered"),
        ("call.end", "delivered"),
    ]
    assert sorted(e["event"] for e in receiver.accepted) == [
        "call.answer",
        "call.end",
        "call.start",
    ]
    codes = [a.status_code for a in db.session.scalars(select(WebhookAttempt))]
    assert sorted(codes) == [204, 204, 204, 429, 500]


def test_production_refuses_to_serve_stored_credentials_without_the_key(ctx) -> None:
    settings.configure(
        db.session,
        ctx.config["DIALER_CRM_KEY"],
        HelpdeskInput("freshdesk", url="https://acme.freshdesk.com", secret="k"),
    )
    db.session.commit()
    assert schema_problem(ctx) is None

    ctx.config["DIALER_CRM_KEY"] = None
    assert "DIALER_CRM_KEY is not set" in (schema_problem(ctx) or "")
