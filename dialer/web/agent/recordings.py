"""``/calls/<id>/recording``: the call's recording, played in the browser with seeking.

Range requests are answered (``send_file(conditional=True)``), so the audio
element can seek. Who may not play it gets 404, as if there were none.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, send_file
from flask_login import current_user
from werkzeug.wrappers import Response

from dialer.access import ALL_STAFF, roles
from dialer.domain.dialing import recordings
from dialer.extensions import db
from dialer.models import Call, utcnow

bp = Blueprint("recordings", __name__)


@bp.get("/calls/<int:call_id>/recording")
@roles(*ALL_STAFF)
def play(call_id: int) -> Response:
    """The recording as audio/wav for supervisors, managers, and the call's agent in wrap-up."""
    call = db.session.get(Call, call_id)
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    if call is None or not recordings.may_play(db.session, user, call, utcnow()):
        abort(404)
    path = recordings.recording_file(current_app.config["DIALER_RECORDINGS_DIR"], call)
    if path is None:
        abort(404)
    # The player may hold the stream open for minutes: give the connection back first.
    db.session.close()
    response = send_file(path, mimetype="audio/wav", conditional=True, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
