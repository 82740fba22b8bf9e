"""The web edge's limits: body sizes per route and the session cookie's flags (issue 13, 8)."""

from __future__ import annotations

import pytest
from flask import Flask

from dialer.extensions import db
from tests.factories.campaigns import make_campaign
from tests.support.web import csrf_token, signed_in_manager

MB = 1024 * 1024


def _upload(client, campaign_id: int, size: int):  # noqa: ANN001, ANN202
    """Post a CSV of about ``size`` bytes as a browser's multipart form would."""
    token = csrf_token(client, f"/campaigns/{campaign_id}")
    content = b"phone\n" + b"0912000001\n" * (size // 11)
    # Encoded here, in memory: the test client would spool a large body to an unclosed file.
    boundary = "dialer-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="leads.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.post(
        f"/campaigns/{campaign_id}/imports",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def test_an_upload_over_the_configured_limit_is_refused_with_the_limit(app, client):
    signed_in_manager(app, client)
    app.config["DIALER_MAX_UPLOAD_MB"] = 1
    with app.app_context():
        campaign_id = make_campaign(db.session).id
        db.session.commit()
    response = _upload(client, campaign_id, 2 * MB)
    assert response.status_code == 413
    assert "larger than the 1 MB upload limit" in response.get_data(as_text=True)


def test_an_upload_may_be_larger_than_the_limit_of_other_bodies(app, client):
    signed_in_manager(app, client)
    with app.app_context():
        campaign_id = make_campaign(db.session).id
        db.session.commit()
    response = _upload(client, campaign_id, 2 * MB)
    assert response.status_code == 302
    assert "/mapping" in response.headers["Location"]


def test_a_large_body_to_the_sign_in_page_is_refused_unread(client):
    response = client.post("/login", data={"username": "x" * (2 * MB)})
    assert response.status_code == 413
    assert "larger than the 1024 KB limit" in response.get_data(as_text=True)


def test_a_large_json_body_to_the_api_is_refused_with_a_json_message(client):
    response = client.post("/api/session", json={"agent_id": "x" * (2 * MB)})
    assert response.status_code == 413
    assert "1024 KB" in response.get_json()["message"]


def test_the_session_cookie_is_samesite_lax_and_http_only(client):
    response = client.get("/login")
    cookie = response.headers["Set-Cookie"]
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie
    assert "Secure" not in cookie


def test_the_session_cookie_is_secure_when_configured(app: Flask, monkeypatch: pytest.MonkeyPatch):
    from dialer import create_app

    monkeypatch.setenv("DIALER_SESSION_COOKIE_SECURE", "true")
    secure_app = create_app({"TESTING": True})
    try:
        response = secure_app.test_client().get("/login", base_url="https://localhost")
        cookie = response.headers["Set-Cookie"]
        assert "Secure" in cookie and "SameSite=Lax" in cookie
    finally:
        with secure_app.app_context():
            db.session.remove()
            db.engine.dispose()
