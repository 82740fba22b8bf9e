"""Numbers that must never be called."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dialer.extensions import db
from dialer.models.base import CreatedAtMixin


class BlacklistNumber(CreatedAtMixin, db.Model):
    __tablename__ = "blacklist_numbers"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    phone_raw: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(String(255), default="")
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    blocks_inbound: Mapped[bool] = mapped_column(default=False)

    added_by = relationship("User")
