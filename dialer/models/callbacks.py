"""Callbacks: a lead booked to be called again at a time agreed with the customer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dialer.extensions import db
from dialer.models.base import CreatedAtMixin, UTCDateTime


class Callback(CreatedAtMixin, db.Model):
    __tablename__ = "callbacks"
    __table_args__ = (
        # Get Lead looks for the campaign's due callbacks first.
        Index("ix_callbacks_campaign_id_is_done_due_at", "campaign_id", "is_done", "due_at"),
        # "My callbacks today".
        Index("ix_callbacks_owner_id_due_at", "owner_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"))
    booked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: any agent
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    is_done: Mapped[bool] = mapped_column(default=False)

    lead = relationship("Lead")
