"""The agent desktop (A2-A6, O1-O4)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from dialer.access import roles
from dialer.domain import accounts
from dialer.extensions import db
from dialer.models import Role
from dialer.web.forms import ConfirmForm

bp = Blueprint("agent", __name__, url_prefix="/agent")


@bp.route("/")
@roles(Role.AGENT)
def desktop() -> str | Response:
    agent_session = accounts.current_agent_session(db.session, current_user.id)
    if agent_session is None:  # logged out elsewhere, or by a supervisor
        logout_user()
        return redirect(url_for("auth.login"))
    return render_template(
        "agent/desktop.html", agent_session=agent_session, logout_form=ConfirmForm()
    )
