"""The agent's work after (and during) a call, in the JSON API: survey drafts, dispositions,
callbacks. Same rules as ``api.agent``: cookie sessions carry the CSRF token, Bearer tokens not.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, jsonify
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from dialer import live
from dialer.access import roles
from dialer.domain.campaigns import dispositions
from dialer.domain.campaigns import drafts as survey_drafts
from dialer.domain.dialing import callbacks
from dialer.domain.people import snapshots
from dialer.extensions import db
from dialer.models import Role, utcnow
from dialer.timefmt import local_zone
from dialer.web.api import common
from dialer.web.api.agent import agent_state, own_call
from dialer.web.api.common import ApiError, int_field, json_body
from dialer.web.api.payloads import callback_card

bp = Blueprint("after_call", __name__, url_prefix="/api")
common.guard(bp)  # CSRF for cookie sessions only; refusals through the shared handler


@bp.put("/calls/<int:call_id>/survey/draft")
@roles(Role.AGENT)
def save_survey_draft(call_id: int) -> Response:
    """Keep the answers typed so far (the desktop sends them as they are typed)."""
    answers = json_body().get("answers")
    if not isinstance(answers, dict):
        raise ApiError(422, "invalid_field", _("answers must be an object."), field="answers")
    kept = survey_drafts.save_draft(db.session, current_user.id, call_id, answers, utcnow())
    db.session.commit()
    return jsonify(kept=kept)


@bp.put("/calls/<int:call_id>/disposition")
@roles(Role.AGENT)
def choose_disposition(call_id: int) -> Response:
    """The agent's disposition of an ended call; "call back" also books the callback."""
    body = json_body()
    disposition_id = int_field(body, "disposition_id")
    notices = dispositions.choose_disposition(
        db.session,
        current_user.id,
        call_id,
        disposition_id or 0,
        utcnow(),
        callback=callback_request(body.get("callback")),
    )
    live.commit_then_publish(notices)
    return jsonify(call=snapshots.call_view(own_call(call_id)), agent=agent_state())


def callback_request(value: Any) -> callbacks.CallbackRequest | None:
    """The callback part of a disposition: ``{"at": "YYYY-MM-DDTHH:MM", "for": "me"|"anyone"}``."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ApiError(422, "invalid_field", _("callback must be an object."), field="callback")
    try:
        local_at = datetime.strptime(str(value.get("at") or ""), "%Y-%m-%dT%H:%M")
    except ValueError:
        raise ApiError(
            422,
            "invalid_field",
            _("Give the callback's date and time as YYYY-MM-DDTHH:MM."),
            field="callback.at",
        ) from None
    return callbacks.CallbackRequest(local_at=local_at, is_for_me=value.get("for") != "anyone")


@bp.get("/callbacks")
@roles(Role.AGENT)
def my_callbacks() -> Response:
    """The agent's callbacks due today (in the configured zone), earliest first."""
    due = callbacks.due_today(db.session, current_user.id, utcnow(), local_zone())
    return jsonify([callback_card(c) for c in due])
