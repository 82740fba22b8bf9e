"""Helpdesk settings: stored encrypted, never shown back, refused when incomplete; webhooks."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from dialer.domain.crm import secrets, settings, webhooks
from dialer.domain.crm.freshdesk import FreshdeskConnector
from dialer.domain.crm.settings import HelpdeskInput
from dialer.domain.crm.zendesk import ZendeskConnector
from dialer.domain.errors import DomainError
from dialer.extensions import db
from dialer.models import CrmSettings, WebhookAttempt, WebhookDelivery
from tests.factories.calls import outbound_call
from tests.factories.people import make_agent

KEY = "test-crm-key"
AT = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def test_freshdesk_key_is_stored_encrypted_and_never_described(ctx) -> None:
    data = HelpdeskInput("freshdesk", url="https://acme.freshdesk.com/", secret="fd-secret-key")
    settings.configure(db.session, KEY, data)
    db.session.commit()

    row = db.session.get(CrmSettings, 1)
    shown = settings.describe(row)
    connector = settings.connector_for(db.session, KEY, timeout_s=1)

    assert "fd-secret-key" not in row.secret_encrypted
    assert secrets.decrypt(KEY, row.secret_encrypted) == "fd-secret-key"
    assert "fd-secret-key" not in json.dumps(shown, default=str)
    assert shown["has_secret"] is True and shown["url"] == "https://acme.freshdesk.com"
    assert isinstance(connector, FreshdeskConnector)


def test_resaving_without_the_secret_keeps_it_another_helpdesk_needs_one(ctx) -> None:
    settings.configure(
        db.session,
        KEY,
        HelpdeskInput(
            "zendesk",
            url="https://acme.zendesk.com",
            email="a@acme.com",
            secret="tok",
            popup="in-app",
        ),
    )
    settings.configure(
        db.session,
        KEY,
        HelpdeskInput(
            "zendesk", url="https://acme.zendesk.com", email="a@acme.com", popup="browser"
        ),
    )
    with pytest.raises(DomainError) as refused:
        settings.configure(
            db.session, KEY, HelpdeskInput("freshdesk", url="https://x.freshdesk.com")
        )

    connector = settings.connector_for(db.session, KEY, timeout_s=1)
    assert isinstance(connector, ZendeskConnector) and connector.popup == "browser"
    assert refused.value.fields == {"secret": "required"}


def test_bad_settings_name_every_field(ctx) -> None:
    with pytest.raises(DomainError) as refused:
        settings.configure(
            db.session,
            KEY,
            HelpdeskInput(
                "zendesk",
                url="acme.zendesk.com",
                email="nope",
                popup="window",
                webhook_url="ftp://x",
            ),
        )
    assert refused.value.code == settings.INVALID
    assert refused.value.fields == {
        "url": "not_http_url",
        "secret": "required",
        "email": "email_required",
        "popup": "unknown_popup",
        "webhook_url": "bad_template",
        "webhook_secret": "required",
    }
    assert db.session.get(CrmSettings, 1) is None


def test_the_wrong_key_cannot_read_the_credentials(ctx) -> None:
    settings.configure(
        db.session, KEY, HelpdeskInput("freshdesk", url="https://a.freshdesk.com", secret="s")
    )
    with pytest.raises(DomainError) as wrong:
        settings.connector_for(db.session, "another-key", timeout_s=1)
    with pytest.raises(DomainError) as missing:
        settings.connector_for(db.session, None, timeout_s=1)
    assert (wrong.value.code, missing.value.code) == (secrets.KEY_WRONG, secrets.KEY_MISSING)
    assert settings.needs_key(db.session)


# ------------------------------------------------------------------ webhooks


class Verifier:
    """An independent receiver: checks the HMAC-SHA256 of '<timestamp>.<body>' and the age."""

    def __init__(self, secret: str, *, max_age_s: int = 300, answers: list[int] | None = None):
        self.secret = secret.encode()
        self.max_age_s = max_age_s
        self.answers = list(answers or [])
        self.accepted: list[dict[str, Any]] = []
        self.rejected: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver.check(self.headers, body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def check(self, headers: Any, body: bytes) -> int:
        stamp = headers.get("X-Dialer-Timestamp", "")
        expected = hmac.new(self.secret, stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        given = headers.get("X-Dialer-Signature", "").removeprefix("sha256=")
        if not hmac.compare_digest(expected, given):
            self.rejected.append("signature")
            return 401
        if abs(time.time() - int(stamp)) > self.max_age_s:
            self.rejected.append("too old")
            return 401
        if self.answers:
            return self.answers.pop(0)
        self.accepted.append(json.loads(body))
        return 204


@pytest.fixture
def verifier() -> Iterator[Verifier]:
    receiver = Verifier("hook-secret")
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def _call():  # noqa: ANN202
    agent, _ = make_agent(db.session, "agent7", "1007", now=AT)
    return outbound_call(db.session, agent, "0901234567", AT)


def test_a_signed_webhook_is_accepted_by_an_independent_verifier(ctx, verifier) -> None:
    call = _call()
    delivery = webhooks.record_event(db.session, call.id, "call.end", verifier.url)
    again = webhooks.record_event(db.session, call.id, "call.end", verifier.url)

    result = webhooks.attempt_delivery(db.session, delivery.id, "hook-secret", datetime.now(UTC))

    assert again is None and result.delivered
    assert verifier.accepted[0]["event"] == "call.end"
    assert verifier.accepted[0]["call"]["number"] == "+84901234567"
    assert db.session.get(WebhookDelivery, delivery.id).status == "delivered"


def test_a_replayed_or_wrongly_signed_webhook_is_refused(ctx, verifier) -> None:
    call = _call()
    delivery = webhooks.record_event(db.session, call.id, "call.start", verifier.url)

    old = webhooks.attempt_delivery(db.session, delivery.id, "hook-secret", AT)  # a stale stamp
    forged = webhooks.attempt_delivery(db.session, delivery.id, "other", datetime.now(UTC))

    assert verifier.rejected == ["too old", "signature"]
    assert (old.status_code, forged.status_code) == (401, 401) and old.is_final_failure
    attempts = db.session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.id)).all()
    assert [(a.status_code, a.error) for a in attempts] == [(401, "HTTP 401"), (401, "HTTP 401")]


def test_each_attempt_is_stored_until_delivered(ctx) -> None:
    receiver = Verifier("s", answers=[503])
    try:
        call = _call()
        delivery = webhooks.record_event(db.session, call.id, "call.answer", receiver.url)
        first = webhooks.attempt_delivery(db.session, delivery.id, "s", datetime.now(UTC))
        second = webhooks.attempt_delivery(db.session, delivery.id, "s", datetime.now(UTC))
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
    assert (first.delivered, first.is_final_failure, second.delivered) == (False, False, True)
    assert webhooks.attempts_count(db.session, delivery.id) == 2
