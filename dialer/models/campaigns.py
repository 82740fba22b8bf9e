"""Outbound campaigns and the agents assigned to them (M1)."""

from __future__ import annotations

import enum
from datetime import datetime, time
from typing import Any

from sqlalchemy import Float, ForeignKey, String, Text, Time, UniqueConstraint, false, text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dialer.extensions import db
from dialer.models.base import CreatedAtMixin, JSONType, UTCDateTime, utcnow


class CampaignStatus(enum.StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


class DialMode(enum.StrEnum):
    PREVIEW = "preview"  # the agent sees the lead, then presses Call
    PROGRESSIVE = "progressive"  # after the survey, the next lead is dialled after a countdown
    PREDICTIVE = "predictive"  # customer-first calls paced from the ready agents


class AmdAction(enum.StrEnum):
    """What happens to a call an answering machine picked up (when the campaign detects them)."""

    HANGUP = "hangup"  # hang up; the lead is retried by the campaign's MACHINE delay
    AGENT = "agent"  # put it through; the agent's screen says "answering machine"


DEFAULT_COUNTDOWN_S = 5


DEFAULT_DIAL_QUEUE = "support"
DEFAULT_ABANDON_CAP_PCT = 3.0
DEFAULT_ABANDON_SOUND = "dialer-abandoned"

DEFAULT_RETRY_MINUTES = {
    "BUSY": 15,
    "NOANSWER": 60,
    "FAIL": 120,
    "CANCEL": 30,
    "MACHINE": 120,
    "ABANDON": 60,
}


class Campaign(CreatedAtMixin, db.Model):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")  # shown to the agent
    status: Mapped[str] = mapped_column(String(16), default=CampaignStatus.DRAFT, index=True)
    caller_id: Mapped[str | None] = mapped_column(String(20))  # E.164
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Ho_Chi_Minh")
    # ISO weekdays allowed, 1 = Monday ... 7 = Sunday, e.g. "123456".
    call_days: Mapped[str] = mapped_column(String(7), default="123456")
    call_start: Mapped[time] = mapped_column(Time, default=time(8, 0))
    call_end: Mapped[time] = mapped_column(Time, default=time(20, 0))
    max_attempts: Mapped[int] = mapped_column(default=3)
    # Outcome code -> minutes before the lead may be called again.
    retry_minutes: Mapped[dict[str, Any]] = mapped_column(
        JSONType, default=lambda: dict(DEFAULT_RETRY_MINUTES)
    )
    dial_mode: Mapped[str] = mapped_column(String(16), default=DialMode.PREVIEW)
    # Progressive: seconds between the saved survey and the next call.
    progressive_countdown_s: Mapped[int] = mapped_column(
        default=DEFAULT_COUNTDOWN_S, server_default=str(DEFAULT_COUNTDOWN_S)
    )
    # Answering-machine detection (AMD() in the dialplan) and what to do with a machine.
    amd_enabled: Mapped[bool] = mapped_column(default=False, server_default=false())
    amd_action: Mapped[str] = mapped_column(
        String(16), default=AmdAction.HANGUP, server_default=AmdAction.HANGUP.value
    )
    # Predictive: the sound file the dialplan plays to a customer no agent could take.
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id"))
    # Record the campaign's answered calls (MixMonitor); linked to the helpdesk ticket (C1).
    record_calls: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Unanswered agent legs in a row before the agent is paused (0: never).
    ring_no_answer_limit: Mapped[int] = mapped_column(default=2, server_default="2")
    # Predictive dialing: the PBX queue answered customers wait in for an agent, the most
    # abandoned calls allowed (percent of answered, the day and 30 days), and the sound
    # (a file name the PBX knows) an abandoned customer hears.
    dial_queue: Mapped[str] = mapped_column(
        String(64), default=DEFAULT_DIAL_QUEUE, server_default=DEFAULT_DIAL_QUEUE
    )
    abandon_cap_pct: Mapped[float] = mapped_column(
        Float, default=DEFAULT_ABANDON_CAP_PCT, server_default=text("3.0")
    )
    abandon_sound: Mapped[str] = mapped_column(
        String(120), default=DEFAULT_ABANDON_SOUND, server_default=DEFAULT_ABANDON_SOUND
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    survey = relationship("Survey")
    agents = relationship("CampaignAgent", back_populates="campaign", cascade="all, delete-orphan")


class CampaignAgent(db.Model):
    __tablename__ = "campaign_agents"
    __table_args__ = (UniqueConstraint("campaign_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # When the agent last picked this campaign on the desktop: the latest is preselected.
    chosen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    campaign = relationship("Campaign", back_populates="agents")
    user = relationship("User")
