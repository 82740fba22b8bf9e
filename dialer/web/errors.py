"""Error pages: HTML for people, JSON for the API."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

bp = Blueprint("errors", __name__)


def _messages() -> dict[int, str]:
    return {
        400: _("The request was not understood."),
        403: _("You do not have access to this page."),
        404: _("Page not found."),
        405: _("This action is not allowed here."),
        413: _("The file is too large."),
        429: _("Too many requests. Wait a moment and try again."),
    }


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> Any:
    code = error.code or 500
    message = _messages().get(code, error.description or _("Something went wrong."))
    if request.path.startswith("/api/"):
        response = jsonify(code=(error.name or "error").lower().replace(" ", "_"), message=message)
        response.status_code = code
        return response
    return render_template("errors/error.html", code=code, message=message), code
