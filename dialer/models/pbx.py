"""What the PBX has that agents use: extensions and inbound queues."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dialer.extensions import db
from dialer.models.base import CreatedAtMixin


class Extension(CreatedAtMixin, db.Model):
    __tablename__ = "extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    description: Mapped[str] = mapped_column(String(120), default="")
    is_enabled: Mapped[bool] = mapped_column(default=True)


class Queue(CreatedAtMixin, db.Model):
    __tablename__ = "queues"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)  # the PBX's queue name
    description: Mapped[str] = mapped_column(String(120), default="")
    # A retired queue keeps its history but takes no members and is left on the PBX.
    is_enabled: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Record the queue's answered calls (MixMonitor).
    record_calls: Mapped[bool] = mapped_column(default=True, server_default=true())

    members = relationship("QueueMember", back_populates="queue", cascade="all, delete-orphan")


class QueueMember(db.Model):
    __tablename__ = "queue_members"
    __table_args__ = (UniqueConstraint("queue_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    penalty: Mapped[int] = mapped_column(default=0)

    queue = relationship("Queue", back_populates="members")
    user = relationship("User")
