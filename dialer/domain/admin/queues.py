"""Inbound queues: create, describe, retire, and their members.

A queue's name is the PBX's name for it (queues.conf), so it is fixed once
made and limited to what Asterisk accepts. Every change that touches a
signed-in agent names that agent's extension, so the edge can have the PBX
brought in line once the change is committed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialer.domain import audit
from dialer.domain.notices import Notice
from dialer.domain.people.users import UNKNOWN_USER, UserError, signed_in_extension
from dialer.models import Queue, QueueMember, Role, User

# What app_queue and our AMI adapter accept in a queue name.
QUEUE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")

INVALID_QUEUE_NAME = "invalid_queue_name"
DUPLICATE_QUEUE = "duplicate_queue"
NO_SUCH_QUEUE = "no_such_queue"
QUEUE_RETIRED = "queue_retired"


class QueueError(UserError):
    """A queue change refused; nothing was saved."""


@dataclass
class QueueChange:
    """The queue changed, the extensions whose PBX membership must follow, the screens to tell."""

    queue: Queue
    extensions: list[str] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


def _change(session: Session, queue: Queue, user_ids: list[int]) -> QueueChange:
    """The change for these users: a signed-in agent's bar shows the new queue list at once."""
    change = QueueChange(queue)
    for user_id in user_ids:
        extension = signed_in_extension(session, user_id)
        if extension:
            change.extensions.append(extension)
            change.notices.append(Notice(user_id, "agent_state", {"queues": True}))
    return change


@dataclass(frozen=True)
class QueueRow:
    queue: Queue
    members: int


def list_queues(session: Session) -> list[QueueRow]:
    """Every queue (retired ones last) with its number of members."""
    counts = dict(
        session.execute(
            select(QueueMember.queue_id, func.count(QueueMember.id)).group_by(QueueMember.queue_id)
        ).all()
    )
    queues = session.scalars(select(Queue).order_by(Queue.is_enabled.desc(), Queue.name))
    return [QueueRow(q, counts.get(q.id, 0)) for q in queues]


def get_queue(session: Session, queue_id: int) -> Queue:
    """The queue with this id; raises NO_SUCH_QUEUE."""
    queue = session.get(Queue, queue_id)
    if queue is None:
        raise QueueError(NO_SUCH_QUEUE)
    return queue


def check_queue_name(session: Session, name: str) -> str:
    """The name, if the PBX would accept it and no queue has it; raises QueueError."""
    text = (name or "").strip()
    if not QUEUE_NAME.fullmatch(text):
        raise QueueError(INVALID_QUEUE_NAME, fields={"name": INVALID_QUEUE_NAME}, queue=text)
    if session.scalar(select(Queue.id).where(func.lower(Queue.name) == text.lower())):
        raise QueueError(DUPLICATE_QUEUE, fields={"name": DUPLICATE_QUEUE}, queue=text)
    return text


def create_queue(session: Session, name: str, description: str, *, actor_id: int | None) -> Queue:
    """A new queue (it must exist in the PBX's queues.conf under the same name)."""
    queue = Queue(name=check_queue_name(session, name), description=(description or "").strip())
    session.add(queue)
    session.flush()
    audit.record(session, "queue_created", actor_id=actor_id, target=queue, name=queue.name)
    return queue


def update_queue(
    session: Session,
    queue_id: int,
    description: str,
    *,
    actor_id: int | None,
    record_calls: bool | None = None,
) -> Queue:
    """Change the queue's description (its name is the PBX's and stays) and whether its calls
    are recorded (None: as it is)."""
    queue = get_queue(session, queue_id)
    text = (description or "").strip()
    changed: dict[str, list[object]] = {}
    if text != queue.description:
        changed["description"] = [queue.description, text]
        queue.description = text
    if record_calls is not None and bool(record_calls) != queue.record_calls:
        changed["record_calls"] = [queue.record_calls, bool(record_calls)]
        queue.record_calls = bool(record_calls)
    if changed:
        audit.record(session, "queue_updated", actor_id=actor_id, target=queue, changed=changed)
    return queue


def set_queue_retired(
    session: Session, queue_id: int, retired: bool, *, actor_id: int | None
) -> QueueChange:
    """Retire a queue (its members leave it on the PBX; the history stays), or restore it."""
    queue = get_queue(session, queue_id)
    if queue.is_enabled != (not retired):
        queue.is_enabled = not retired
        audit.record(
            session,
            "queue_retired" if retired else "queue_restored",
            actor_id=actor_id,
            target=queue,
            name=queue.name,
        )
    return _change(session, queue, [m.user_id for m in queue.members])


def add_member(
    session: Session, queue_id: int, username: str, *, actor_id: int | None
) -> QueueChange:
    """Put a user in the queue; a signed-in agent joins it on the PBX at once."""
    queue = get_queue(session, queue_id)
    if not queue.is_enabled:
        raise QueueError(QUEUE_RETIRED, queue=queue.name)
    user = session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None or not user.is_active_user:
        raise QueueError(UNKNOWN_USER)
    exists = session.scalar(
        select(QueueMember.id).where(
            QueueMember.queue_id == queue.id, QueueMember.user_id == user.id
        )
    )
    if exists is None:
        session.add(QueueMember(queue_id=queue.id, user_id=user.id))
        session.flush()
        audit.record(
            session,
            "queue_member_added",
            actor_id=actor_id,
            target=queue,
            queue=queue.name,
            username=user.username,
        )
    return _change(session, queue, [user.id])


def remove_member(
    session: Session, queue_id: int, user_id: int, *, actor_id: int | None
) -> QueueChange:
    """Take a user out of the queue; a signed-in agent leaves it on the PBX at once."""
    queue = get_queue(session, queue_id)
    member = session.scalar(
        select(QueueMember).where(QueueMember.queue_id == queue.id, QueueMember.user_id == user_id)
    )
    if member is not None:
        username = member.user.username
        session.delete(member)
        session.flush()
        audit.record(
            session,
            "queue_member_removed",
            actor_id=actor_id,
            target=queue,
            queue=queue.name,
            username=username,
        )
    return _change(session, queue, [user_id])


def members(session: Session, queue_id: int) -> list[tuple[User, str | None]]:
    """The queue's members by agent id, each with the extension they are signed in on."""
    users = session.scalars(
        select(User)
        .join(QueueMember, QueueMember.user_id == User.id)
        .where(QueueMember.queue_id == queue_id)
        .order_by(User.username)
    )
    return [(u, signed_in_extension(session, u.id)) for u in users]


def candidates(session: Session, queue_id: int) -> list[User]:
    """Active agents (and supervisors) not yet in the queue, by agent id."""
    inside = select(QueueMember.user_id).where(QueueMember.queue_id == queue_id)
    return list(
        session.scalars(
            select(User)
            .where(
                User.is_active_user.is_(True),
                User.role.in_([Role.AGENT, Role.SUPERVISOR]),
                User.id.not_in(inside),
            )
            .order_by(User.username)
        )
    )
