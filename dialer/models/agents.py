"""Agent state: pause reasons, login sessions and the activity log (A2-A5, H4)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dialer.extensions import db
from dialer.models.base import CreatedAtMixin, UTCDateTime, utcnow


class AgentState(enum.StrEnum):
    """The agent bar's states (A2): the colour is the template's business."""

    READY = "ready"
    PAUSED = "paused"
    RINGING = "ringing"  # a call is being set up
    CONNECTED = "connected"
    WRAPUP = "wrapup"  # call ended, survey or notes not saved yet
    UNAVAILABLE = "unavailable"  # extension unregistered or unreachable
    LOGGED_OUT = "logged_out"


class ActivityKind(enum.StrEnum):
    LOGIN = "login"
    LOGOUT = "logout"
    FORCED_LOGOUT = "forced_logout"
    PAUSE = "pause"
    UNPAUSE = "unpause"


class PauseReason(CreatedAtMixin, db.Model):
    __tablename__ = "pause_reasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    name_vi: Mapped[str | None] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    is_enabled: Mapped[bool] = mapped_column(default=True)
    # System reasons (e.g. "disconnected") are applied by the product, not picked.
    is_system: Mapped[bool] = mapped_column(default=False)
    # Whether time in this pause counts as paid time in the agent report.
    is_paid: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Past this many minutes in the pause the wallboard flags the agent (None: never).
    max_minutes: Mapped[int | None]


class AgentSession(db.Model):
    """One login of one agent on one extension, from login to logout."""

    __tablename__ = "agent_sessions"
    __table_args__ = (Index("ix_agent_sessions_user_id_logout_at", "user_id", "logout_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    extension_id: Mapped[int] = mapped_column(ForeignKey("extensions.id"))
    state: Mapped[str] = mapped_column(String(16), default=AgentState.READY)
    state_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    pause_reason_id: Mapped[int | None] = mapped_column(ForeignKey("pause_reasons.id"))
    current_call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"))
    login_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    logout_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    end_reason: Mapped[str | None] = mapped_column(String(32))
    # Set when the sweep gave the lead of this (vanished) agent back to its campaign.
    lead_released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Progressive dialing: when the held lead may be dialled for the agent (the countdown's end);
    # any change of state (a pause, a call) clears it, so a stale trigger never dials.
    autodial_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")
    extension = relationship("Extension")
    pause_reason = relationship("PauseReason")


class AgentActivity(db.Model):
    """The agent's activity log (H4): logins, logouts, pauses with reasons and durations."""

    __tablename__ = "agent_activities"
    __table_args__ = (Index("ix_agent_activities_user_id_started_at", "user_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("agent_sessions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    pause_reason_id: Mapped[int | None] = mapped_column(ForeignKey("pause_reasons.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_s: Mapped[int | None]
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id")
    )  # who did it, if not the agent
    detail: Mapped[str] = mapped_column(String(255), default="")

    pause_reason = relationship("PauseReason")
