"""Signed webhooks to another CRM on call start, answer, end and survey save.

Each event of a call is one delivery row (a second report of the same event is
ignored); each HTTP attempt is a row an admin can read. The body is signed with
HMAC-SHA256 over ``<timestamp>.<body>``: the timestamp travels in
``X-Dialer-Timestamp`` and the receiver refuses an old one, so a captured
request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dialer.models import Call, WebhookAttempt, WebhookDelivery

EVENTS = ("call.start", "call.answer", "call.end", "survey.saved")
SIGNATURE_HEADER = "X-Dialer-Signature"
TIMESTAMP_HEADER = "X-Dialer-Timestamp"
EVENT_HEADER = "X-Dialer-Event"
MAX_ATTEMPTS = 5
TIMEOUT_S = 10.0


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value: ``sha256=`` and the hex HMAC of ``<timestamp>.<body>``."""
    message = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def call_payload(call: Call, event: str) -> dict[str, Any]:
    """What the other CRM learns of a call: ids, number, agent, times, outcome."""

    def at(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "event": event,
        "call": {
            "id": call.id,
            "uid": call.call_uid,
            "direction": call.direction,
            "number": call.customer_number,
            "agent": call.agent.username if call.agent is not None else None,
            "campaign_id": call.campaign_id,
            "queue": call.queue,
            "state": call.state,
            "status": call.status,
            "created_at": at(call.created_at),
            "answered_at": at(call.answered_at),
            "ended_at": at(call.ended_at),
            "talk_s": call.talk_s,
        },
    }


def record_event(session: Session, call_id: int, event: str, url: str) -> WebhookDelivery | None:
    """The delivery of this call's event, made once; None when it already exists or no call."""
    call = session.get(Call, call_id)
    if call is None or not url or event not in EVENTS:
        return None
    if session.scalar(
        select(WebhookDelivery.id).where(
            WebhookDelivery.call_id == call_id, WebhookDelivery.event == event
        )
    ):
        return None
    delivery = WebhookDelivery(
        call_id=call_id, event=event, url=url, payload=call_payload(call, event)
    )
    try:
        with session.begin_nested():
            session.add(delivery)
            session.flush()
    except IntegrityError:  # another process recorded it between our look and our insert
        return None
    return delivery


@dataclass(frozen=True)
class AttemptResult:
    delivered: bool
    status_code: int | None
    error: str
    retry_after_s: float | None = None

    @property
    def is_final_failure(self) -> bool:
        """A 4xx other than 408/429 will not change by retrying."""
        code = self.status_code
        return code is not None and 400 <= code < 500 and code not in (408, 429)


def attempt_delivery(
    session: Session, delivery_id: int, secret: str, now: datetime, *, timeout_s: float = TIMEOUT_S
) -> AttemptResult:
    """POST the delivery once, signed; store the attempt and, on a 2xx, mark it delivered."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status == "delivered":
        return AttemptResult(True, None, "")
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        EVENT_HEADER: delivery.event,
        "User-Agent": "dialer-webhook/1",
    }
    result = _post(delivery.url, body, headers, timeout_s)
    session.add(
        WebhookAttempt(delivery_id=delivery.id, status_code=result.status_code, error=result.error)
    )
    if result.delivered:
        delivery.status, delivery.delivered_at = "delivered", now
    return result


def give_up(session: Session, delivery_id: int) -> None:
    """Mark the delivery failed after its last attempt (the attempts say why)."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is not None and delivery.status != "delivered":
        delivery.status = "failed"


def attempts_count(session: Session, delivery_id: int) -> int:
    """How many attempts the delivery has had."""
    return len(
        session.scalars(
            select(WebhookAttempt.id).where(WebhookAttempt.delivery_id == delivery_id)
        ).all()
    )


def _post(url: str, body: bytes, headers: dict[str, str], timeout_s: float) -> AttemptResult:
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=timeout_s)
    except httpx.TimeoutException:
        return AttemptResult(False, None, "timeout")
    except httpx.TransportError as error:
        return AttemptResult(False, None, f"no connection: {error}"[:500])
    if 200 <= response.status_code < 300:
        return AttemptResult(True, response.status_code, "")
    retry_after = None
    if response.status_code == 429:
        try:
            retry_after = float(response.headers.get("Retry-After", ""))
        except ValueError:
            retry_after = None
    return AttemptResult(False, response.status_code, f"HTTP {response.status_code}", retry_after)


# Which live notice of a call means which webhook event (outbound by state, inbound by name).
_CALL_STATES = {
    "ringing": "call.start",
    "dialing": "call.start",
    "connected": "call.answer",
    "ended": "call.end",
}
_INBOUND = {
    "inbound_offer": "call.start",
    "inbound_connected": "call.answer",
    "inbound_ended": "call.end",
}


def events_of(notices: list[Any]) -> list[tuple[int, str]]:
    """The (call id, webhook event) pairs the notices of one transaction announce, once each."""
    found: list[tuple[int, str]] = []
    for notice in notices:
        data = notice.data or {}
        if notice.event == "call":
            pair = (data.get("id"), _CALL_STATES.get(str(data.get("state"))))
        else:
            pair = (data.get("call_id"), _INBOUND.get(notice.event))
        if isinstance(pair[0], int) and pair[1] and pair not in found:
            found.append(pair)  # type: ignore[arg-type]
    return found  # type: ignore[return-value]
