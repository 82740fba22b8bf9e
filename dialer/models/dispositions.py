"""Dispositions: the manager's per-campaign list of how a call ended, picked by the agent."""

from __future__ import annotations

import enum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from dialer.extensions import db
from dialer.models.base import CreatedAtMixin


class DispositionKind(enum.StrEnum):
    """What a disposition does to the lead."""

    FINAL = "final"  # the lead is finished
    RETRY = "retry"  # the lead is called again by the campaign's retry rules
    DO_NOT_CALL = "do_not_call"  # finished, and the number goes on the blacklist
    CALLBACK = "callback"  # called again at the time the agent agreed with the customer


class Disposition(CreatedAtMixin, db.Model):
    __tablename__ = "dispositions"
    __table_args__ = (UniqueConstraint("campaign_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(80))
    name_vi: Mapped[str] = mapped_column(String(80), default="")
    kind: Mapped[str] = mapped_column(String(16), default=DispositionKind.FINAL)
    # Retired, not deleted: calls keep pointing at what the agent chose.
    is_enabled: Mapped[bool] = mapped_column(default=True)

    campaign = relationship(
        "Campaign",
        backref=backref(
            "dispositions", order_by="Disposition.position, Disposition.id", passive_deletes=True
        ),
    )
