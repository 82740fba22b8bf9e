"""The agent desktop page (A2-A6, O1-O4); its actions go through the JSON API."""

from __future__ import annotations

import contextlib
from typing import Any

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import get_locale
from flask_login import current_user, logout_user
from redis.exceptions import RedisError
from werkzeug.wrappers import Response

from dialer import pbx_status
from dialer.access import roles
from dialer.domain.dialing import campaign_choice
from dialer.domain.people import accounts, agents, snapshots
from dialer.extensions import db, redis_hub
from dialer.jobs import calls as call_jobs
from dialer.models import Role, utcnow
from dialer.timefmt import to_local
from dialer.web.agent.desk_text import desk_text
from dialer.web.api.payloads import campaign_card, reason_card, work_on_screen

bp = Blueprint("agent", __name__, url_prefix="/agent")

QUEUE_LABEL_MAX = 10


def queue_label(names: list[str]) -> str:
    """The agent bar's queue list, cut with "..." past 10 characters (A4)."""
    text = ", ".join(names)
    return text if len(text) <= QUEUE_LABEL_MAX else text[:QUEUE_LABEL_MAX] + "..."


@bp.route("/")
@roles(Role.AGENT)
def desktop() -> str | Response:
    if current_user.role != Role.AGENT:  # an admin passes the role check but has no desk
        return redirect(url_for("home.index"))
    agent_session = accounts.current_agent_session(db.session, current_user.id)
    if agent_session is None:  # logged out elsewhere, or by a supervisor
        logout_user()
        return redirect(url_for("auth.login"))
    # Is the phone registered? Without Redis the page still works, unchecked.
    pbx_down = False
    with contextlib.suppress(RedisError):
        call_jobs.enqueue_extension_check(agent_session.id)
        pbx_down = pbx_status.down_since(redis_hub.client) is not None
    state: dict[str, Any] = {
        **snapshots.snapshot(db.session, agent_session, utcnow()),
        **work_on_screen(db.session, agent_session),
    }
    return render_template(
        "agent/desktop.html",
        agent=state,
        pbx_down=pbx_down,
        queue_text=queue_label(state["queues"]),
        login_time=to_local(agent_session.login_at).strftime("%H:%M"),
        desk={
            "agent": state,
            "reasons": [reason_card(r) for r in agents.pausable_reasons(db.session)],
            "campaigns": [
                campaign_card(c)
                for c in campaign_choice.working_campaigns(db.session, current_user.id)
            ],
            "chosen_campaign_id": campaign_choice.chosen_campaign_id(db.session, current_user.id),
            "locale": str(get_locale()),
            "text": desk_text(),
            "queue_max": QUEUE_LABEL_MAX,
        },
    )
