"""Calls: queue calls driven by port events through the domain, ended outbound call rows."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from dialer.domain.contacts.directory import number_key
from dialer.domain.dialing import inbound
from dialer.domain.notices import Notice
from dialer.models import Call, CallState, Direction, User
from dialer.telephony.port import (
    QueueCallAbandoned,
    QueueCallCompleted,
    QueueCallConnected,
    QueueCallJoined,
    QueueCallOffered,
    QueueCallRingNoAnswer,
)

_refs = itertools.count(1)


def new_ref() -> str:
    """A caller Linkedid as Asterisk writes them."""
    return f"1795549630.{next(_refs)}"


class QueueCallScript:
    """One queued call: each method sends one port event through the domain at a given time."""

    def __init__(
        self, session: Session, number: str, at: datetime, *, queue: str = "support", name: str = ""
    ) -> None:
        self.session = session
        self.ref = new_ref()
        self.number = number
        self.queue = queue
        self.name = name
        self.at = at
        self.notices: list[Notice] = []

    def _send(self, event_type: type, after_s: float, **fields: Any) -> list[Notice]:
        self.at = self.at + timedelta(seconds=after_s)
        event = event_type(
            at=self.at,
            call_ref=self.ref,
            queue=self.queue,
            caller_number=self.number,
            caller_name=self.name,
            **fields,
        )
        self.last_event = event
        return self._apply(event)

    def _apply(self, event: Any) -> list[Notice]:
        found = inbound.apply_queue_event(self.session, event, region="VN")
        self.session.flush()
        self.notices += found
        return found

    def replay(self) -> list[Notice]:
        """Send the last event again, as a listener does after a reconnect."""
        return self._apply(self.last_event)

    def join(self, after_s: float = 0) -> list[Notice]:
        return self._send(QueueCallJoined, after_s, position=1)

    def offer(self, extension: str, after_s: float = 1) -> list[Notice]:
        return self._send(QueueCallOffered, after_s, extension=extension)

    def ring_no_answer(self, extension: str, after_s: float = 15) -> list[Notice]:
        return self._send(QueueCallRingNoAnswer, after_s, extension=extension, ring_s=int(after_s))

    def connect(self, extension: str, after_s: float = 3, hold_s: int = 0) -> list[Notice]:
        return self._send(QueueCallConnected, after_s, extension=extension, hold_s=hold_s, ring_s=3)

    def complete(
        self, extension: str, status: str, after_s: float = 60, hold_s: int = 0
    ) -> list[Notice]:
        return self._send(
            QueueCallCompleted,
            after_s,
            extension=extension,
            status=status,
            hold_s=hold_s,
            talk_s=int(after_s),
        )

    def abandon(self, after_s: float = 10, hold_s: int = 0) -> list[Notice]:
        return self._send(QueueCallAbandoned, after_s, hold_s=hold_s, position=1)

    def call(self) -> Call:
        """The queued call's own row (not the missed-offer rows)."""
        found = inbound.find_queue_call(self.session, self.ref)
        assert found is not None, "no event of this call was applied yet"
        return found


def answered_call(
    session: Session,
    number: str,
    extension: str,
    at: datetime,
    *,
    status: str = "COMPLETECALLER",
    hold_s: int = 5,
    talk_s: int = 60,
) -> Call:
    """A queued call answered on ``extension`` and ended after ``talk_s``, starting at ``at``."""
    script = QueueCallScript(session, number, at)
    script.join()
    script.offer(extension, after_s=hold_s - 2 if hold_s > 2 else 0)
    script.connect(extension, after_s=2 if hold_s > 2 else 0, hold_s=hold_s)
    script.complete(extension, status, after_s=talk_s, hold_s=hold_s)
    return script.call()


def outbound_call(
    session: Session,
    agent: User,
    number: str,
    at: datetime,
    *,
    status: str = "ANSWER",
    wait_s: int = 8,
    talk_s: int = 30,
) -> Call:
    """An ended outbound call row, as the dialing domain leaves it (the number in E.164)."""
    call = Call(
        call_uid=f"out-{new_ref()}",
        direction=Direction.OUTBOUND,
        agent_id=agent.id,
        customer_number=number_key(number),
        state=CallState.ENDED,
        status=status,
        created_at=at,
        ended_at=at + timedelta(seconds=wait_s + talk_s),
        wait_s=wait_s,
        talk_s=talk_s,
    )
    session.add(call)
    session.flush()
    return call
