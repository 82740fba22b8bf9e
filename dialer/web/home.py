"""The landing page: each role goes to its own home."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from dialer.access import ALL_STAFF, roles
from dialer.models import Role

bp = Blueprint("home", __name__)


@bp.route("/")
@roles(*ALL_STAFF)
def index() -> Response:
    if current_user.role == Role.AGENT:
        return redirect(url_for("agent.desktop"))
    return redirect(url_for("manager.home"))
