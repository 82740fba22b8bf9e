"""People who use the product: agents, supervisors, managers, admins."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dialer.extensions import db
from dialer.models.base import CreatedAtMixin, UTCDateTime


class Role(enum.StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    ADMIN = "admin"


class User(CreatedAtMixin, UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)  # the agent id for agents
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    default_extension_id: Mapped[int | None] = mapped_column(ForeignKey("extensions.id"))
    language: Mapped[str | None] = mapped_column(String(8))
    # How the helpdesk knows this person: Zendesk's in-app display finds the agent by it.
    email: Mapped[str] = mapped_column(String(255), default="", server_default="")
    is_active_user: Mapped[bool] = mapped_column(default=True)
    # Set by an admin on create or reset: the next sign-in leads only to the change-password page.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Bumped on logout and password change: a session cookie carrying an older
    # value is refused, so a replayed cookie after logout does not work.
    session_version: Mapped[int] = mapped_column(default=1)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    default_extension = relationship("Extension", foreign_keys=[default_extension_id])

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_user

    def get_id(self) -> str:  # Flask-Login: the cookie carries id and session version
        return f"{self.id}:{self.session_version}"

    def has_role(self, *roles: Role | str) -> bool:
        """True when the user's role is one of ``roles`` (admins have every role)."""
        return self.role == Role.ADMIN or self.role in {str(r) for r in roles}
