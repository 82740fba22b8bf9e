"""Error pages: HTML for people, JSON for the API."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from redis.exceptions import RedisError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from dialer.extensions import db
from dialer.web import limits

bp = Blueprint("errors", __name__)


def _messages() -> dict[int, str]:
    return {
        400: _("The request was not understood."),
        403: _("You do not have access to this page."),
        404: _("Page not found."),
        405: _("This action is not allowed here."),
        429: _("Too many requests. Wait a moment and try again."),
    }


def unavailable_message() -> str:
    """What a 503 says when the dialer's queue and live-update service (Redis) is away."""
    return _(
        "The dialer's queue service is not answering, so nothing was changed. "
        "Try again in a moment."
    )


# How long a client should wait before trying again after a 503 for Redis.
RETRY_AFTER_S = 5


def too_large_message() -> str:
    """What a 413 says: the limit of this route, uploads or any other body."""
    if limits.is_upload_route(request.endpoint):
        return _(
            "The file is larger than the %(mb)s MB upload limit. Split it and upload the parts.",
            mb=current_app.config["DIALER_MAX_UPLOAD_MB"],
        )
    limit = request.max_content_length or 0
    return _("The request is larger than the %(kb)s KB limit.", kb=limit // 1024)


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> Any:
    code = error.code or 500
    if code == 413:
        message = too_large_message()
    else:
        message = _messages().get(code, error.description or _("Something went wrong."))
    if request.path.startswith("/api/"):
        response = jsonify(code=(error.name or "error").lower().replace(" ", "_"), message=message)
        response.status_code = code
        return response
    return render_template("errors/error.html", code=code, message=message), code


@bp.app_errorhandler(RedisError)
def redis_unavailable(error: RedisError) -> Any:
    """Redis is away: 503, and whatever the request began is rolled back (nothing recorded).

    Views that need Redis touch it before they write (a throttle, the PBX link's state, a
    ping); a view whose write already stands and only a live push is lost does not get here.
    """
    db.session.rollback()
    current_app.logger.warning(
        "Redis unavailable on %s %s: %s", request.method, request.path, error
    )
    return _unavailable("service_unavailable", unavailable_message(), RETRY_AFTER_S)


@bp.app_errorhandler(PoolTimeout)
def busy(error: PoolTimeout) -> Any:
    """No database connection came free in time (the process is overloaded): 503, not 500."""
    current_app.logger.warning(
        "%s %s: no database connection free: %s", request.method, request.path, error
    )
    # Who is asking cannot be read without a connection either: answer in the session's
    # or the browser's language rather than the account's.
    g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]
    return _unavailable("busy", _("The server is busy. Try again in a moment."), 2)


def _unavailable(code: str, message: str, retry_after_s: int) -> Any:
    """503 with a plain message: ``{code, message}`` for the API, the error page otherwise."""
    if request.path.startswith("/api/"):
        response = jsonify(code=code, message=message)
        response.status_code = 503
    else:
        response = current_app.make_response(
            (render_template("errors/error.html", code=503, message=message), 503)
        )
    response.headers["Retry-After"] = str(retry_after_s)
    return response
