"""One handler for every domain refusal: a flash on pages, ``{code, message}`` in the API.

Each audience keeps its sentences in its own ``messages`` module: a ``REFUSALS`` table from a
domain code to ``(HTTP status, lazy sentence)``, and, for errors whose sentence needs more than a
lookup (a list of missing things, field problems), a ``DESCRIBERS`` table from the error class to
a function giving a ``Described``. ``init_app`` gathers the tables once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from flask import Flask, Response, current_app, flash, g, jsonify, redirect, request
from flask_babel import gettext as _

from dialer.domain.errors import DomainError
from dialer.extensions import db

Catalogue = Mapping[str, tuple[int, Any]]


class Described(NamedTuple):
    """What the user is told about one refusal; ``extra`` joins the API body."""

    status: int
    message: str
    extra: Mapping[str, Any] = {}
    code: str | None = None  # another code for the API body, when the domain's is internal


Describer = Callable[[Any], Described]


def init_app(
    app: Flask, *catalogues: Catalogue, describers: Mapping[type, Describer] | None = None
) -> None:
    """Install the handler with the sentences of every audience."""
    merged: dict[str, tuple[int, Any]] = {}
    for catalogue in catalogues:
        merged.update(catalogue)
    app.extensions["dialer.refusals"] = merged
    app.extensions["dialer.refusal_describers"] = dict(describers or {})
    app.register_error_handler(DomainError, handle_refusal)


def return_to(url: str) -> None:
    """Where a page refused by the domain sends the user back to (else the referring page)."""
    g.refusal_return_to = url


def describe(error: DomainError) -> Described:
    """The HTTP status and the sentence in the user's language for one refusal."""
    describers = current_app.extensions["dialer.refusal_describers"]
    for kind in type(error).__mro__:
        if kind in describers:
            return describers[kind](error)
    status, sentence = current_app.extensions["dialer.refusals"].get(error.code, (409, None))
    if sentence is None:
        message = str(error) if str(error) != error.code else _("This action is not possible now.")
        return Described(status, message)
    try:
        return Described(status, str(sentence) % error.params if error.params else str(sentence))
    except (KeyError, TypeError, ValueError):
        return Described(status, str(sentence))


def handle_refusal(error: DomainError) -> Response | tuple[Response, int]:
    """Roll back what the request began, then tell the user why, in their language."""
    db.session.rollback()
    described = describe(error)
    if request.path.startswith("/api/"):
        body: dict[str, Any] = {"code": described.code or error.code, "message": described.message}
        if error.fields and "fields" not in described.extra:
            body["fields"] = error.fields
        body.update(described.extra)
        return jsonify(body), described.status
    flash(described.message, "error")
    return redirect(_back_to())


def _back_to() -> str:
    """The page the view named, else where the page came from on this site, else the page."""
    if "refusal_return_to" in g:
        return g.refusal_return_to
    referrer = request.referrer or ""
    if referrer.startswith(request.host_url):
        return referrer
    return request.path if request.method == "GET" else request.url
