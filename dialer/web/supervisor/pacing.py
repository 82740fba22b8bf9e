"""The supervisors' view of predictive dialing: level, lines, answer and abandon rates, live."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from dialer import pacing_state
from dialer.access import SUPERVISORS, roles
from dialer.domain.pacing import board
from dialer.extensions import db, redis_hub
from dialer.models import utcnow

bp = Blueprint("pacing", __name__, url_prefix="/supervisor/pacing")


@bp.get("/")
@roles(*SUPERVISORS)
def index() -> str:
    ids = board.predictive_campaign_ids(db.session)
    decided = {cid: pacing_state.load_state(redis_hub.client, cid) for cid in ids}
    rows = board.pacing_board(db.session, utcnow(), decided)
    db.session.rollback()  # read only
    template = "pacing/_rows.html" if request.args.get("part") == "rows" else "pacing/index.html"
    return render_template(template, rows=rows)
