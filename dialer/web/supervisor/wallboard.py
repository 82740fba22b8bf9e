"""The supervisor's wallboard: who is signed in, in which state, and logging an agent out (A5)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from dialer import live
from dialer.access import SUPERVISORS, roles
from dialer.domain.people import agents
from dialer.domain.people.agents import AgentError
from dialer.extensions import db, redis_hub
from dialer.jobs import membership as membership_jobs
from dialer.models import AgentSession, User, utcnow
from dialer.timefmt import to_local
from dialer.web.auth.forms import ConfirmForm

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor")


def signed_in_agents() -> list[dict]:
    """Every open agent session as the wallboard shows it, by agent id."""
    sessions = db.session.scalars(
        select(AgentSession)
        .join(User, User.id == AgentSession.user_id)
        .where(AgentSession.logout_at.is_(None))
        .order_by(User.username)
    )
    now = utcnow()
    return [
        {
            **agents.snapshot(db.session, s, now),
            "since_local": to_local(s.state_since).strftime("%H:%M:%S"),
        }
        for s in sessions
    ]


@bp.get("/")
@roles(*SUPERVISORS)
def wallboard() -> str:
    rows = signed_in_agents()
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
    try:
        notices = agents.force_sign_out(
            db.session, current_user._get_current_object(), user_id, utcnow()
        )
    except AgentError:
        db.session.rollback()
        flash(_("No such agent."), "error")
        return redirect(url_for("supervisor.wallboard"))
    db.session.commit()
    live.publish_notices(redis_hub.client, notices)
    membership_jobs.enqueue_syncs(membership_jobs.extensions_in(notices))
    user = db.session.get(User, user_id)
    flash(_("%(agent)s is signed out.", agent=user.username if user else user_id), "success")
    return redirect(url_for("supervisor.wallboard"))
