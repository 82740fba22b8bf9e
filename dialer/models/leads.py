"""Imported lead lists and their leads (M2, O2)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dialer.extensions import db
from dialer.models.base import CreatedAtMixin, JSONType, UTCDateTime


class ImportStatus(enum.StrEnum):
    UPLOADED = "uploaded"  # saved, waiting for the manager to confirm the mapping
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class LeadStatus(enum.StrEnum):
    NEW = "new"  # never called
    CLAIMED = "claimed"  # held by an agent (Get Lead) until the call ends
    RETRY = "retry"  # waiting for next_call_at
    DONE = "done"  # finished: reached, or out of attempts
    REMOVED = "removed"  # taken out by a manager: kept for its history, never called
    CALLBACK = "callback"  # booked to be called back at a time agreed with the customer


class LeadImport(CreatedAtMixin, db.Model):
    __tablename__ = "lead_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))  # as uploaded, for display only
    stored_path: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default=ImportStatus.UPLOADED)
    encoding: Mapped[str | None] = mapped_column(String(32))
    delimiter: Mapped[str | None] = mapped_column(String(8))
    sheet: Mapped[str | None] = mapped_column(String(120))
    mapping: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # The custom fields' headers in the file's column order (JSONB keeps no key order).
    custom_order: Mapped[list[str]] = mapped_column(JSONType, default=list, server_default="[]")
    rows_read: Mapped[int] = mapped_column(default=0)
    imported: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    campaign = relationship("Campaign")


class LeadImportRejection(db.Model):
    __tablename__ = "lead_import_rejections"
    __table_args__ = (UniqueConstraint("import_id", "line_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("lead_imports.id", ondelete="CASCADE"))
    line_no: Mapped[int]
    raw_value: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(String(32))  # a stable code; the page translates it
    detail: Mapped[str] = mapped_column(Text, default="")


class Lead(CreatedAtMixin, db.Model):
    __tablename__ = "leads"
    __table_args__ = (
        UniqueConstraint("campaign_id", "phone"),
        # Get Lead: the next dialable lead of a campaign.
        Index("ix_leads_dialable", "campaign_id", "status", "next_call_at", "id"),
        # The dashboard's lead figures: one index-only pass over the campaign's leads.
        Index("ix_leads_campaign_id_status_attempts", "campaign_id", "status", "attempts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # active_history: the campaign's counters need the value a change replaces.
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), active_history=True)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("lead_imports.id"), index=True)
    line_no: Mapped[int | None]
    phone: Mapped[str] = mapped_column(String(20), index=True)  # E.164
    phone_raw: Mapped[str] = mapped_column(String(64))  # as uploaded
    first_name: Mapped[str] = mapped_column(String(120), default="")
    last_name: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    timezone: Mapped[str | None] = mapped_column(String(64))
    custom: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=LeadStatus.NEW, active_history=True)
    attempts: Mapped[int] = mapped_column(default=0, active_history=True)
    next_call_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[str | None] = mapped_column(String(16))
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    campaign = relationship("Campaign")
    lead_import = relationship("LeadImport")

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.last_name, self.first_name) if part)
