"""The admin's helpdesk settings page: saved encrypted, never shown back, checked in one line."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from dialer.extensions import db
from dialer.models import CrmLink, CrmSettings, Role
from tests.factories.calls import outbound_call
from tests.factories.people import make_agent, make_user
from tests.support.crm_fakes import FakeFreshdesk, running
from tests.support.web import csrf_token, login


@pytest.fixture
def freshdesk() -> Iterator[FakeFreshdesk]:
    with running(FakeFreshdesk()) as fake:
        yield fake  # type: ignore[misc]


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    with app.app_context():
        make_user(db.session, "root", role=Role.ADMIN, password="pw")
        make_user(db.session, "boss", role=Role.MANAGER, password="pw")
        db.session.commit()
    client = app.test_client()
    assert login(client, "root", "pw").status_code == 302
    return client


def _form(client: FlaskClient, **values: str) -> dict[str, str]:
    base = {
        "csrf_token": csrf_token(client, "/admin/crm/"),
        "provider": "builtin",
        "url": "",
        "email": "",
        "secret": "",
        "popup": "browser",
        "contact_url_template": "",
        "call_url_template": "",
        "webhook_url": "",
        "webhook_secret": "",
    }
    return base | values


def test_the_admin_saves_freshdesk_and_the_key_is_never_shown_back(app, admin, freshdesk) -> None:
    saved = admin.post(
        "/admin/crm/",
        data=_form(admin, provider="freshdesk", url=freshdesk.url, secret="fd-key-123"),
    )
    page = admin.get("/admin/crm/").get_data(as_text=True)
    checked = admin.post(
        "/admin/crm/check",
        data={"csrf_token": csrf_token(admin, "/admin/crm/")},
        follow_redirects=True,
    ).get_data(as_text=True)

    assert saved.status_code == 302
    assert "fd-key-123" not in page and freshdesk.url in page
    assert "Connected to freshdesk at" in checked and "Lan Support" in checked
    with app.app_context():
        row = db.session.get(CrmSettings, 1)
        assert row.provider == "freshdesk" and "fd-key-123" not in row.secret_encrypted


def test_resaving_without_the_key_keeps_it(app, admin, freshdesk) -> None:
    admin.post(
        "/admin/crm/",
        data=_form(admin, provider="freshdesk", url=freshdesk.url, secret="fd-key-123"),
    )
    again = admin.post("/admin/crm/", data=_form(admin, provider="freshdesk", url=freshdesk.url))
    checked = admin.post(
        "/admin/crm/check",
        data={"csrf_token": csrf_token(admin, "/admin/crm/")},
        follow_redirects=True,
    ).get_data(as_text=True)

    assert again.status_code == 302 and "Lan Support" in checked


def test_bad_settings_name_the_fields_and_save_nothing(app, admin) -> None:
    refused = admin.post(
        "/admin/crm/",
        data=_form(
            admin, provider="zendesk", url="acme.zendesk.com", email="nope", webhook_url="x"
        ),
    )
    html = refused.get_data(as_text=True)

    assert refused.status_code == 422
    assert "Enter an address starting with https://" in html
    assert "Enter the email address of the Zendesk user." in html
    assert "Required." in html
    with app.app_context():
        assert db.session.get(CrmSettings, 1) is None


def test_a_wrong_key_is_reported_by_the_check(app, admin, freshdesk) -> None:
    admin.post(
        "/admin/crm/", data=_form(admin, provider="freshdesk", url=freshdesk.url, secret="wrong")
    )
    checked = admin.post(
        "/admin/crm/check",
        data={"csrf_token": csrf_token(admin, "/admin/crm/")},
        follow_redirects=True,
    ).get_data(as_text=True)

    assert "The helpdesk refused the credentials." in checked


def test_failed_links_are_listed_with_the_reason(app, admin) -> None:
    with app.app_context():
        agent, _ = make_agent(db.session, "agent1", "1001", signed_in=False)
        call = outbound_call(db.session, agent, "0901234567", call_at())
        db.session.add(
            CrmLink(
                call_id=call.id,
                agent_id=agent.id,
                choice="latest",
                idempotency_key="k",
                provider="freshdesk",
                status="failed",
                last_error="ticket_gone: Not found",
            )
        )
        db.session.commit()

    html = admin.get("/admin/crm/").get_data(as_text=True)

    assert "The ticket was deleted in the helpdesk." in html


def test_only_admins_open_the_page(app, admin) -> None:
    manager = app.test_client()
    login(manager, "boss", "pw")
    assert manager.get("/admin/crm/").status_code == 403


def call_at():  # noqa: ANN201
    from datetime import UTC, datetime

    return datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
