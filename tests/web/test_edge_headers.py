"""Security headers, no inline script, a private API description, hashed sign-in names
(issue 13, item 10)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dialer.extensions import db, redis_hub
from dialer.models import Role
from tests.factories.people import make_extension, make_user
from tests.support.web import login

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _policy(response) -> dict[str, str]:  # noqa: ANN001
    text = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in text.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/login", "/api/agent", "/static/js/desktop.js", "/nowhere"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    policy = _policy(response)
    assert policy["script-src"] == "script-src 'self'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    response.close()


def test_no_template_holds_an_inline_script_or_event_handler():
    offending = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                offending.append(f"{template.name}: {tag}")
        offending += [f"{template.name}: {h}" for h in re.findall(r"\son[a-z]+\s*=", text)]
    assert offending == []


def test_the_api_description_is_for_signed_in_users_only(app, client):
    refused = client.get("/api/openapi.json")
    assert refused.status_code == 401
    assert refused.get_json()["code"] == "unauthenticated"
    with app.app_context():
        make_extension(db.session, "1001")
        make_user(db.session, "agent1", password="pw")
        db.session.commit()
    login(client, "agent1", "pw", "1001")
    assert client.get("/api/openapi.json").get_json()["openapi"].startswith("3.1")


def test_failed_sign_in_names_are_not_kept_in_redis_in_clear(app, client):
    typed = "Nguyễn-mật-khẩu-gõ-nhầm"
    for _ in range(2):
        assert login(client, typed, "wrong").status_code == 401
    with app.app_context():
        keys = [key.decode() for key in redis_hub.client.keys("login-fail:*")]
        assert len(keys) == 2
        assert not any(typed.lower() in key or "127.0.0.1" in key for key in keys)
        assert max(int(redis_hub.client.get(key)) for key in keys) == 2


@pytest.mark.browser
def test_the_wallboard_works_under_the_policy_and_asks_before_a_sign_out(
    app, live_server, page
) -> None:
    with app.app_context():
        make_user(db.session, "boss", role=Role.SUPERVISOR, password="boss-pass")
        db.session.commit()
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text))
    page.goto(live_server.url + "/login")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", "boss-pass")
    page.click("button[type=submit].primary")
    page.goto(live_server.url + "/supervisor/")
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.evaluate(
        "() => { const f = document.createElement('form'); f.className = 'force-logout';"
        " f.dataset.agent = 'agent7'; document.body.append(f); f.requestSubmit(); }"
    )
    assert asked == ["Sign agent7 out now? Their held lead goes back to the list."]
    assert [text for text in blocked if "Content Security Policy" in text] == []
