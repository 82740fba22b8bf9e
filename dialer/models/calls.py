"""Calls, outbound and inbound, with the brief's outcome codes (O4, I5)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dialer.extensions import db
from dialer.models.base import UTCDateTime, utcnow


class Direction(enum.StrEnum):
    OUTBOUND = "outbound"
    INBOUND = "inbound"


class CallState(enum.StrEnum):
    """Where a call is in its life; the outcome is ``Call.status`` once it has ended."""

    QUEUED = "queued"  # row committed, Originate not sent yet
    ORIGINATING = "originating"  # Originate sent
    RINGING = "ringing"  # the agent's phone (or for inbound, the agent) rings
    DIALING = "dialing"  # agent answered, the customer's phone rings
    CONNECTED = "connected"
    ENDED = "ended"


class CallStatus(enum.StrEnum):
    # Outbound (O4)
    ANSWER = "ANSWER"
    BUSY = "BUSY"
    NOANSWER = "NOANSWER"
    CANCEL = "CANCEL"
    FAIL = "FAIL"
    MACHINE = "MACHINE"  # an answering machine picked up and the campaign hangs up on them
    # Inbound (I5)
    COMPLETEAGENT = "COMPLETEAGENT"
    COMPLETECALLER = "COMPLETECALLER"
    TRANSFER = "TRANSFER"
    ABANDON = "ABANDON"
    RINGNOANSWER = "RINGNOANSWER"


COMPLETED_STATUSES = frozenset(
    {CallStatus.ANSWER, CallStatus.COMPLETEAGENT, CallStatus.COMPLETECALLER, CallStatus.TRANSFER}
)


class Call(db.Model):
    __tablename__ = "calls"
    __table_args__ = (
        # Today's history of one agent, newest first (H1-H3).
        Index("ix_calls_agent_id_created_at", "agent_id", "created_at"),
        # Phone history of one number (I4).
        Index("ix_calls_customer_number_created_at", "customer_number", "created_at"),
        Index("ix_calls_campaign_id_status", "campaign_id", "status"),
        # The dashboard's calls per hour of one day.
        Index("ix_calls_campaign_id_created_at", "campaign_id", "created_at"),
        # Every agent's calls of a date range (the supervisors' history page).
        Index("ix_calls_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Our id for the PBX: in the ActionID and the DIALER_CALL_ID channel variable.
    call_uid: Mapped[str] = mapped_column(String(40), unique=True)
    direction: Mapped[str] = mapped_column(String(8))
    # active_history: the campaign's counters need the value a change replaces.
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), active_history=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    extension: Mapped[str | None] = mapped_column(String(32))
    queue: Mapped[str | None] = mapped_column(String(64))
    customer_number: Mapped[str] = mapped_column(String(32))  # E.164 when it parses
    caller_id: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default=CallState.QUEUED)
    status: Mapped[str | None] = mapped_column(String(16), active_history=True)  # once ended
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ringing_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # customer connected
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The PBX was out of sight when the call ended: ended_at is the last time it was known up.
    ended_estimated: Mapped[bool] = mapped_column(default=False, server_default=false())
    wait_s: Mapped[int] = mapped_column(default=0)
    talk_s: Mapped[int] = mapped_column(default=0)
    hangup_cause: Mapped[int | None]
    hangup_cause_text: Mapped[str] = mapped_column(String(80), default="")
    hung_up_by: Mapped[str | None] = mapped_column(String(16))  # agent | customer | system
    # Why the agent's own leg failed (the customer was never dialled): no_answer | busy.
    agent_leg: Mapped[str | None] = mapped_column(String(16))
    # What the PBX's answering-machine detection said of the customer (AMDSTATUS): MACHINE,
    # HUMAN, NOTSURE, HANGUP; empty when the campaign does not detect machines.
    amd_status: Mapped[str | None] = mapped_column(String(16))
    # How the agent dispositioned the call (the results and exports read it here).
    disposition_id: Mapped[int | None] = mapped_column(ForeignKey("dispositions.id"))
    # The recording's file name in DIALER_RECORDINGS_DIR, once the PBX was asked to record.
    recording_ref: Mapped[str | None] = mapped_column(String(255))
    # Set when the retention sweep deleted the file: the call keeps that it had one.
    recording_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ami_action_id: Mapped[str | None] = mapped_column(String(80))
    ami_uniqueid: Mapped[str | None] = mapped_column(String(40), index=True)
    ami_linkedid: Mapped[str | None] = mapped_column(String(40), index=True)
    is_vip: Mapped[bool] = mapped_column(default=False)

    lead = relationship("Lead")
    campaign = relationship("Campaign")
    agent = relationship("User")
    contact = relationship("Contact")
