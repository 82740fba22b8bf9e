"""The history page: an agent's day of calls with tabs, totals, pages and activity (H1-H4)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from dialer.access import ALL_STAFF, roles
from dialer.domain.contacts import history
from dialer.domain.reports import periods
from dialer.extensions import db
from dialer.models import Role, User, utcnow
from dialer.timefmt import local_zone
from dialer.web import limits

bp = Blueprint("history", __name__, url_prefix="/history")

TAB_LABELS = {
    history.Tab.ALL: _l("All"),
    history.Tab.INBOUND: _l("Inbound"),
    history.Tab.OUTBOUND: _l("Outbound"),
}
KIND_LABELS = {
    "login": _l("Signed in"),
    "logout": _l("Signed out"),
    "forced_logout": _l("Signed out by a supervisor"),
    "pause": _l("Paused"),
}


@bp.get("/")
@roles(*ALL_STAFF)
def index() -> str:
    if _is_overseer() and "agent_id" not in request.args:
        return _pick_page()
    agent = _agent()
    first, last = _days()
    tab = _tab()
    page = request.args.get("page", "1")
    zone = local_zone()
    calls = history.agent_history(
        db.session,
        agent.id if agent else None,
        first,
        zone,
        tab=tab,
        page=limits.parse_page(page) or 1,
        last=last,
    )
    activity = history.activity(db.session, agent.id, first, zone, now=utcnow()) if agent else []
    return render_template(
        "history/index.html",
        agent=agent,
        agents=_agents_to_pick(),
        day=first,
        last=last,
        calls=calls,
        tabs=TAB_LABELS,
        activity=[activity_json(row) for row in activity],
        paused_s=history.paused_seconds(activity),
        zone=zone,
        # One click calls a number back from the agent's own history (the desk's checks apply).
        can_call_out=agent is not None
        and agent.id == current_user.id
        and current_user.role == Role.AGENT,
    )


def _pick_page() -> str:
    """Supervisors and managers start from every agent's totals, not their own empty day."""
    first, last = _days()
    return render_template(
        "history/pick.html",
        agents=_agents_to_pick(),
        totals=history.agents_totals(db.session, first, last, local_zone()),
        day=first,
        last=last,
    )


def _is_overseer() -> bool:
    return current_user.has_role(Role.SUPERVISOR, Role.MANAGER)


def _agent() -> User | None:
    """The agent whose history is shown; None for every agent (supervisors and managers)."""
    value = request.args.get("agent_id", "")
    if value == "all" and _is_overseer():
        return None
    agent_id = limits.parse_id(value)
    if agent_id is None or agent_id == current_user.id:
        return current_user
    if not history.may_view_agent(current_user, agent_id):
        abort(403)
    return db.session.get(User, agent_id) or abort(404)


def _days() -> tuple[date, date]:
    """The agent's one day (``date``); a supervisor's range (``from``, ``to``) or one day."""
    today = history.local_day(local_zone(), utcnow())
    if _is_overseer() and ("from" in request.args or "to" in request.args):
        return periods.parse_range(request.args.get("from"), request.args.get("to"), today)
    value = request.args.get("date", "")
    if value:
        day = history.parse_day(value)
        if day is not None:
            return day, day
        flash(_("Give a date from 1970-01-01 to 2999-12-31 as YYYY-MM-DD."), "error")
    return today, today


def _tab() -> history.Tab:
    try:
        return history.Tab(request.args.get("direction", "all"))
    except ValueError:
        return history.Tab.ALL


def _agents_to_pick() -> list[User]:
    if not current_user.has_role(Role.SUPERVISOR, Role.MANAGER):
        return []
    return list(
        db.session.scalars(select(User).where(User.role == Role.AGENT).order_by(User.username))
    )


def activity_json(row: history.ActivityRow) -> dict[str, Any]:
    """An activity row in the user's language and time zone."""
    zone = local_zone()
    reason = row.reason_vi if str(get_locale()) == "vi" else row.reason
    return {
        "kind": row.kind,
        "label": str(KIND_LABELS.get(row.kind, row.kind)),
        "started_at": row.started_at.isoformat(),
        "start": row.started_at.astimezone(zone).strftime("%H:%M:%S"),
        "end": row.ended_at.astimezone(zone).strftime("%H:%M:%S") if row.ended_at else "",
        "duration_s": row.duration_s,
        "reason": reason,
        "detail": row.detail,
    }


@bp.app_template_global("show_cw")
def show_cw() -> dict[str, Any]:
    """The signed-in agent's Show CW box, for the desktop's first paint."""
    return summary_json(history.summary(db.session, current_user.id, local_zone(), now=utcnow()))


def summary_json(box: history.Summary) -> dict[str, Any]:
    """The Show CW box as the API and the desktop script read it."""
    current = None
    if box.current is not None:
        current = {
            "call_id": box.current.call_id,
            "direction": box.current.direction,
            "number": box.current.number,
            "state": box.current.state,
            "since": box.since.isoformat() if box.since else None,
        }
    return {
        "now": utcnow().isoformat(),
        "current": current,
        "inbound_today": box.inbound_today,
        "outbound_today": box.outbound_today,
        "is_vip": box.is_vip,
    }
