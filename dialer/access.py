"""Role checks on every route, deny by default.

Each view declares who may call it with ``@roles(...)`` or ``@public``. A view
that declares nothing is refused to everybody, so a forgotten decorator fails
closed; a test walks the whole URL map for every role.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, current_app, jsonify, redirect, request, url_for
from flask_login import current_user

from dialer.models import Role

F = TypeVar("F", bound=Callable[..., Any])

ALL_STAFF = (Role.AGENT, Role.SUPERVISOR, Role.MANAGER, Role.ADMIN)
ADMINS = (Role.ADMIN,)
MANAGERS = (Role.MANAGER, Role.ADMIN)
SUPERVISORS = (Role.SUPERVISOR, Role.MANAGER, Role.ADMIN)


def roles(*allowed: Role) -> Callable[[F], F]:
    """Allow the view to signed-in users with one of ``allowed`` roles (admins always)."""

    def mark(view: F) -> F:
        view._dialer_roles = frozenset(str(r) for r in allowed)  # type: ignore[attr-defined]
        return view

    return mark


def public(view: F) -> F:
    """Allow the view to anybody, signed in or not."""
    view._dialer_public = True  # type: ignore[attr-defined]
    return view


def view_roles(view: Callable[..., Any]) -> frozenset[str] | None:
    """The roles a view allows; None when it is public."""
    if getattr(view, "_dialer_public", False):
        return None
    return getattr(view, "_dialer_roles", frozenset())


def _refuse_anonymous() -> Any:
    if request.path.startswith("/api/"):
        response = jsonify(code="unauthenticated", message="Sign in first.")
        response.status_code = 401
        return response
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _refuse_role() -> Any:
    if request.path.startswith("/api/"):
        response = jsonify(code="forbidden", message="Your role may not do this.")
        response.status_code = 403
        return response
    abort(403)


def in_menu(endpoint: str) -> bool:
    """The menu offers this page: its route names the signed-in user's role.

    Named, not merely allowed: an admin may open an agent's desktop but has no desk of their own.
    """
    view = current_app.view_functions.get(endpoint)
    if view is None:
        return False
    allowed = view_roles(view)
    if allowed is None:
        return True
    return current_user.is_authenticated and str(current_user.role) in allowed


def init_app(app: Flask) -> None:
    app.jinja_env.globals["in_menu"] = in_menu

    @app.before_request
    def _check_access() -> Any:
        if request.endpoint is None or request.endpoint == "static":
            return None
        allowed = view_roles(app.view_functions[request.endpoint])
        if allowed is None:
            return None
        if not current_user.is_authenticated:
            return _refuse_anonymous()
        if not allowed or not current_user.has_role(*allowed):
            return _refuse_role()
        return None
