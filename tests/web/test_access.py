"""Every route checks the role, deny by default: the whole URL map for every role."""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.routing import IntegerConverter

from dialer.access import view_roles
from dialer.extensions import db
from dialer.models import Role
from tests.factories.people import make_user
from tests.support.web import login

ROLES = [Role.AGENT, Role.SUPERVISOR, Role.MANAGER, Role.ADMIN]
# Signing out would leave the rest of the walk anonymous.
SIGN_OUTS = ("auth.logout", "api.delete_session")


def _sample_url(rule) -> str:
    """The rule with every variable filled by a plausible value."""
    values = {
        arg: ("1" if isinstance(rule._converters[arg], IntegerConverter) else "x")
        for arg in rule.arguments
    }
    return rule.build(values, append_unknown=False)[1]


def _routes(app: Flask):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_view_declares_who_may_call_it(app: Flask) -> None:
    undeclared = [
        rule.rule
        for rule, _method in _routes(app)
        if view_roles(app.view_functions[rule.endpoint]) == frozenset()
    ]
    assert undeclared == []


def test_anonymous_users_reach_only_public_views(app: Flask) -> None:
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False  # only the role check is under test here
    for rule, method in _routes(app):
        if view_roles(app.view_functions[rule.endpoint]) is None:
            continue
        response = client.open(_sample_url(rule), method=method)
        assert response.status_code in (302, 401), (rule.rule, method, response.status_code)
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_refused_what_it_may_not_do(app: Flask, role: Role) -> None:
    with app.app_context():
        make_user(db.session, "someone", role=role, password="pw", extension="1001")
        db.session.commit()
    client = app.test_client()
    login(client, "someone", "pw", "1001" if role == Role.AGENT else "")
    app.config["WTF_CSRF_ENABLED"] = False  # only the role check is under test here
    for rule, method in _routes(app):
        allowed = view_roles(app.view_functions[rule.endpoint])
        if allowed is None or rule.endpoint in SIGN_OUTS:
            continue
        response = client.open(_sample_url(rule), method=method)
        may = role == Role.ADMIN or str(role) in allowed
        if may:
            assert response.status_code != 403, (rule.rule, method)
        else:
            assert response.status_code == 403, (rule.rule, method, response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_the_menu_links_only_to_pages_the_role_may_open(app: Flask, role: Role) -> None:
    with app.app_context():
        make_user(db.session, "someone", role=role, password="pw", extension="1001")
        db.session.commit()
    client = app.test_client()
    login(client, "someone", "pw", "1001" if role == Role.AGENT else "")
    html = client.get("/", follow_redirects=True).get_data(as_text=True)
    menu = html[html.index("<nav") : html.index("</nav>")]
    linked = {"/campaigns/", "/surveys/", "/blacklist/", "/supervisor/", "/agent/"}
    shown = {path for path in linked if f'href="{path}"' in menu}
    expected = {
        Role.AGENT: {"/agent/"},
        Role.SUPERVISOR: {"/supervisor/"},
        Role.MANAGER: {"/campaigns/", "/surveys/", "/blacklist/", "/supervisor/"},
        Role.ADMIN: {"/campaigns/", "/surveys/", "/blacklist/", "/supervisor/"},
    }[role]
    assert shown == expected
    for path in shown:
        assert client.get(path).status_code == 200, path
