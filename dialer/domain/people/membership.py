"""Queue membership on the PBX: what each extension should be, and making the PBX match.

Asterisk forgets dynamic queue members when it restarts (unless configured to
keep them), and a call centre configures no static ones: an agent signed in on
an extension must be a member of each of their queues, paused with the pause
reason while paused, and a member of nothing once signed out. The plan is read
from the committed database and applied whole, so applying it twice, late or
out of order still leaves the PBX as the database says.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.models import AgentSession, AgentState, Extension, Queue, QueueMember, User
from dialer.telephony.port import TelephonyError, TelephonyPort

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MemberPlan:
    """What the PBX should have for one extension."""

    extension: str
    member_name: str  # the agent's name in the queue ("" when nobody is signed in)
    join: tuple[str, ...]  # queues the extension must be in
    leave: tuple[str, ...]  # every other queue we know of
    paused: bool
    reason: str

    @property
    def signed_in(self) -> bool:
        """True when an agent is signed in on the extension."""
        return bool(self.member_name)


def plan_for_extension(session: Session, number: str) -> MemberPlan:
    """The membership the extension should have now, from the committed database."""
    every_queue = sorted(session.scalars(select(Queue.name)))
    row = session.execute(
        select(AgentSession, User)
        .join(Extension, Extension.id == AgentSession.extension_id)
        .join(User, User.id == AgentSession.user_id)
        .where(Extension.number == number, AgentSession.logout_at.is_(None))
        .order_by(AgentSession.login_at.desc())
    ).first()
    if row is None or not row[1].is_active_user:
        return MemberPlan(number, "", (), tuple(every_queue), False, "")
    agent_session, user = row
    join = tuple(
        session.scalars(
            select(Queue.name)
            .join(QueueMember, QueueMember.queue_id == Queue.id)
            .where(QueueMember.user_id == user.id, Queue.is_enabled.is_(True))
            .order_by(Queue.name)
        )
    )
    paused = agent_session.state == AgentState.PAUSED or (
        agent_session.state == AgentState.UNAVAILABLE and agent_session.pause_reason_id is not None
    )
    reason = agent_session.pause_reason.name if paused and agent_session.pause_reason else ""
    return MemberPlan(
        number,
        user.display_name or user.username,
        join,
        tuple(q for q in every_queue if q not in join),
        paused,
        reason,
    )


def plans_for_all(session: Session) -> list[MemberPlan]:
    """A plan for every extension we know of (after a reconnect, the PBX may hold anything)."""
    numbers = session.scalars(select(Extension.number).order_by(Extension.number))
    return [plan_for_extension(session, number) for number in numbers]


def apply_plan(port: TelephonyPort, plan: MemberPlan) -> list[str]:
    """Make the PBX match the plan; returns what the PBX refused (each step is tried)."""
    problems: list[str] = []

    def attempt(what: str, step: object) -> None:
        try:
            step()  # type: ignore[operator]
        except TelephonyError as error:
            log.warning("queue membership of %s: %s failed: %s", plan.extension, what, error)
            problems.append(f"{what}: {error}")

    for queue in plan.join:
        attempt(
            f"add to {queue}", lambda q=queue: port.queue_add(q, plan.extension, plan.member_name)
        )
    for queue in plan.leave:
        attempt(f"remove from {queue}", lambda q=queue: port.queue_remove(q, plan.extension))
    if plan.join:
        attempt(
            "pause" if plan.paused else "unpause",
            lambda: port.queue_pause(plan.extension, plan.paused, plan.reason),
        )
    return problems
