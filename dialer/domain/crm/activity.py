"""What an admin reads of the helpdesk's work: links not made yet or failed, webhook attempts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.models import CrmLink, WebhookAttempt, WebhookDelivery


def troubled_links(session: Session, limit: int = 50) -> list[CrmLink]:
    """Links still pending or failed, newest first."""
    return list(
        session.scalars(
            select(CrmLink)
            .where(CrmLink.status.in_(("pending", "failed")))
            .order_by(CrmLink.created_at.desc(), CrmLink.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class DeliveryView:
    delivery: WebhookDelivery
    attempts: list[WebhookAttempt]


def recent_deliveries(session: Session, limit: int = 50) -> list[DeliveryView]:
    """The newest webhook deliveries, each with every attempt made (oldest attempt first)."""
    deliveries = list(
        session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(limit))
    )
    ids = [d.id for d in deliveries]
    attempts: dict[int, list[WebhookAttempt]] = {i: [] for i in ids}
    for attempt in session.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_(ids or [0]))
        .order_by(WebhookAttempt.id)
    ):
        attempts[attempt.delivery_id].append(attempt)
    return [DeliveryView(d, attempts[d.id]) for d in deliveries]
