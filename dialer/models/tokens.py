"""API tokens for the JSON API's ``Authorization: Bearer`` header; only a hash is stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dialer.extensions import db
from dialer.models.base import CreatedAtMixin, UTCDateTime


class ApiToken(CreatedAtMixin, db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the token: a leaked table gives nobody a working token.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The user's session_version when issued: signing out (or being forced out) bumps
    # the version, which ends every token along with every cookie.
    session_version: Mapped[int]
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")
