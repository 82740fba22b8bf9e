"""One handler for every domain refusal: a flash on pages, ``{code, message}`` in the API.

Each audience keeps its sentences in its own ``messages`` module as a ``REFUSALS`` table from a
domain code to ``(HTTP status, lazy sentence)``; ``init_app`` gathers the tables once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, current_app, flash, jsonify, redirect, request
from flask_babel import gettext as _

from dialer.domain.errors import DomainError
from dialer.extensions import db

Catalogue = Mapping[str, tuple[int, Any]]


def init_app(app: Flask, *catalogues: Catalogue) -> None:
    """Install the handler with the sentences of every audience."""
    merged: dict[str, tuple[int, Any]] = {}
    for catalogue in catalogues:
        merged.update(catalogue)
    app.extensions["dialer.refusals"] = merged
    app.register_error_handler(DomainError, handle_refusal)


def describe(error: DomainError) -> tuple[int, str]:
    """The HTTP status and the sentence in the user's language for one refusal."""
    status, sentence = current_app.extensions["dialer.refusals"].get(error.code, (409, None))
    if sentence is None:
        return status, str(error) if str(error) != error.code else _(
            "This action is not possible now."
        )
    try:
        return status, str(sentence) % error.params if error.params else str(sentence)
    except (KeyError, TypeError, ValueError):
        return status, str(sentence)


def handle_refusal(error: DomainError) -> Response | tuple[Response, int]:
    """Roll back what the request began, then tell the user why, in their language."""
    db.session.rollback()
    status, message = describe(error)
    if request.path.startswith("/api/"):
        body: dict[str, Any] = {"code": error.code, "message": message}
        if error.fields:
            body["fields"] = error.fields
        return jsonify(body), status
    flash(message, "error")
    return redirect(_back_to())


def _back_to() -> str:
    """Where the page came from on this site, else the page itself."""
    referrer = request.referrer or ""
    if referrer.startswith(request.host_url):
        return referrer
    return request.path if request.method == "GET" else request.url
