"""The supervisor's wallboard: who is signed in, in which state, and logging an agent out (A5)."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from dialer import live
from dialer.access import SUPERVISORS, roles
from dialer.domain.people import agents, snapshots
from dialer.extensions import db
from dialer.jobs import membership as membership_jobs
from dialer.models import User, utcnow
from dialer.timefmt import to_local
from dialer.web import refusals
from dialer.web.auth.forms import ConfirmForm

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor")


def _rows() -> list[dict]:
    """The wallboard's rows, each with the time its state began in the local zone."""
    return [
        {
            **row,
            "since_local": to_local(datetime.fromisoformat(row["state_since"])).strftime(
                "%H:%M:%S"
            ),
        }
        for row in snapshots.signed_in_agents(db.session, utcnow())
    ]


@bp.get("/")
@roles(*SUPERVISORS)
def wallboard() -> str:
    rows = _rows()
    if request.args.get("part") == "rows":
        return render_template("supervisor/_rows.html", rows=rows, form=ConfirmForm())
    return render_template("supervisor/wallboard.html", rows=rows, form=ConfirmForm())


@bp.post("/agents/<int:user_id>/logout")
@roles(*SUPERVISORS)
def force_logout(user_id: int) -> Response:
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("The page is out of date. Reload it and try again."), "error")
        return redirect(url_for("supervisor.wallboard"))
    refusals.return_to(url_for("supervisor.wallboard"))
    notices = agents.force_sign_out(
        db.session, current_user._get_current_object(), user_id, utcnow()
    )
    live.commit_then_publish(notices)
    membership_jobs.enqueue_syncs(membership_jobs.extensions_in(notices))
    user = db.session.get(User, user_id)
    flash(_("%(agent)s is signed out.", agent=user.username if user else user_id), "success")
    return redirect(url_for("supervisor.wallboard"))
