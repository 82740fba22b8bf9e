"""The helpdesk on the call (C1-C3): its settings, each call's link, each signed webhook."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dialer.extensions import db
from dialer.models.base import CreatedAtMixin, JSONType, UTCDateTime, utcnow


class CrmSettings(db.Model):
    """The one helpdesk configuration (a single row, id 1); secrets are Fernet tokens."""

    __tablename__ = "crm_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(16), default="builtin")
    base_url: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str] = mapped_column(String(255), default="")  # Zendesk: whose token
    secret_encrypted: Mapped[str] = mapped_column(Text, default="")  # API key or token
    popup: Mapped[str] = mapped_column(String(16), default="browser")  # in-app | browser
    contact_url_template: Mapped[str] = mapped_column(String(500), default="")
    call_url_template: Mapped[str] = mapped_column(String(500), default="")
    webhook_url: Mapped[str] = mapped_column(String(500), default="")
    webhook_secret_encrypted: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CrmLink(CreatedAtMixin, db.Model):
    """The agent's one choice for a call and what became of it at the helpdesk."""

    __tablename__ = "crm_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), unique=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    choice: Mapped[str] = mapped_column(String(8))  # latest | new | none
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    provider: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(8), default="pending")  # pending|linked|failed|none
    ticket_ref: Mapped[str] = mapped_column(String(64), default="")
    ticket_url: Mapped[str] = mapped_column(String(500), default="")
    contact_ref: Mapped[str] = mapped_column(String(64), default="")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebhookDelivery(CreatedAtMixin, db.Model):
    """One call event sent to the generic CRM's webhook, with every attempt made."""

    __tablename__ = "crm_webhook_deliveries"
    __table_args__ = (UniqueConstraint("call_id", "event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    event: Mapped[str] = mapped_column(String(24))  # call.start | call.answer | call.end | ...
    url: Mapped[str] = mapped_column(String(500))
    payload: Mapped[dict] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|delivered|failed
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebhookAttempt(CreatedAtMixin, db.Model):
    """One HTTP attempt of a delivery: the status code, or why there was none."""

    __tablename__ = "crm_webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("crm_webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    status_code: Mapped[int | None]
    error: Mapped[str] = mapped_column(String(500), default="")
