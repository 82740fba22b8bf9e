"""The admin's pages: people, extensions, queues and the audit trail (one blueprint, ``admin``)."""

from __future__ import annotations

from flask import Blueprint, flash
from flask_wtf import FlaskForm

from dialer.domain.errors import DomainError
from dialer.web.admin.messages import sentence

bp = Blueprint("admin", __name__, url_prefix="/admin")


def show_refusal(form: FlaskForm, error: DomainError) -> None:
    """Put the refusal's sentence under the field at fault, else flash it."""
    message = sentence(error.code, error.params)
    for name in error.fields:
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, message]
            return
    flash(message, "error")


def page_number(value: int | None) -> int:
    """A page number from the query string, at least 1."""
    return max(value or 1, 1)
