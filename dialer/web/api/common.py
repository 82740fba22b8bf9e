"""What every JSON API blueprint shares: ApiError, the JSON body, Bearer tokens, CSRF for cookies.

Domain refusals are not handled here: they reach the one handler in ``dialer.web.refusals``.
``ApiError`` is for HTTP-level problems only (a body that is not JSON, a bad field type).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response

from dialer.domain.people import tokens as api_tokens
from dialer.extensions import csrf, db, login_manager
from dialer.models import User, utcnow
from dialer.web import limits

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ApiError(Exception):
    """An API refusal: HTTP status, stable code, human message, extra fields."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def bearer_token(req: Any) -> str | None:
    header = req.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


@login_manager.request_loader
def load_user_from_token(req: Any) -> User | None:
    """The user of a valid ``Authorization: Bearer`` token (API requests only)."""
    token = bearer_token(req)
    if token is None or not req.path.startswith("/api/"):
        return None
    user = api_tokens.user_for_token(db.session, token, utcnow())
    g.token_user_id = user.id if user is not None else None
    return user


def is_token_request() -> bool:
    """True when a valid Bearer token of the signed-in user came with the request."""
    if not current_user.is_authenticated:
        return False
    if "token_user_id" not in g:  # signed in by cookie: does a token come along too?
        token = bearer_token(request)
        user = api_tokens.user_for_token(db.session, token, utcnow()) if token else None
        g.token_user_id = user.id if user is not None else None
    return g.token_user_id == current_user.id


def check_csrf_for_cookie_sessions() -> None:
    """A cookie session's change must carry the page's CSRF token; a Bearer token needs none."""
    if request.method in SAFE_METHODS or not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    if request.endpoint == "api.create_session" or is_token_request():
        return
    csrf.protect()


def api_error(error: ApiError) -> tuple[Response, int]:
    """``{code, message, ...}`` with the error's HTTP status."""
    return jsonify(code=error.code, message=error.message, **error.extra), error.status


def csrf_error(error: CSRFError) -> tuple[Response, int]:
    """A missing or stale CSRF token, as the API's JSON error."""
    return jsonify(code="csrf_failed", message=_csrf_message()), 400


def _csrf_message() -> str:
    return _("The page is out of date. Reload it and try again.")


def json_body() -> dict[str, Any]:
    """The request's JSON object; a 4xx naming the problem otherwise."""
    if not request.is_json:
        raise ApiError(415, "json_required", _("Send the request body as application/json."))
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        body, problem = None, "too_deep"
    else:
        problem = limits.json_problem(body)
    if problem == "too_deep":
        raise ApiError(400, "invalid_json", _("The request body is nested too deeply."))
    if problem == "not_unicode":
        raise ApiError(
            400, "invalid_json", _("The request body holds text that is not valid Unicode.")
        )
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", _("The request body is not a JSON object."))
    return body


def int_field(body: dict[str, Any], name: str, *, required: bool = True) -> int | None:
    """A whole-number field of the body: an id from 1 to the largest the database holds."""
    value = body.get(name)
    if value is None and not required:
        return None
    found = limits.parse_id(value)
    if found is None:
        raise ApiError(
            422, "invalid_field", _("%(field)s must be a whole number.", field=name), field=name
        )
    return found


def guard(bp: Blueprint) -> None:
    """The API's rules on a blueprint: CSRF for cookie sessions only, errors as JSON."""
    csrf.exempt(bp)  # checked by check_csrf_for_cookie_sessions, for cookie sessions only
    bp.before_request(check_csrf_for_cookie_sessions)
    bp.register_error_handler(ApiError, api_error)
    bp.register_error_handler(CSRFError, csrf_error)
