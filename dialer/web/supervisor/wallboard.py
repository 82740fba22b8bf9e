"""The supervisor's wallboard: counts, queues, who is signed in and for how long; sign-outs (A5)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from dialer import live
from dialer.access import SUPERVISORS, roles
from dialer.domain.people import agents
from dialer.domain.reports import floor
from dialer.extensions import db
from dialer.jobs import membership as membership_jobs
from dialer.models import User, utcnow
from dialer.web import refusals
from dialer.web.auth.forms import ConfirmForm

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor")


def _board() -> floor.Floor:
    timeout = current_app.config["DIALER_HEARTBEAT_TIMEOUT_S"]
    found = floor.floor_now(db.session, utcnow(), timeout)
    db.session.rollback()  # read only
    return found


@bp.get("/")
@roles(*SUPERVISORS)
def wallboard() -> str:
    board = _board()
    template = "supervisor/_board.html" if request.args.get("part") == "board" else None
    return render_template(template or "supervisor/wallboard.html", board=board, form=ConfirmForm())


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
