"""``/api/progressive/*``: the desktop's side of progressive dialing (the server keeps the clock).

``next`` claims the next lead and starts the campaign's countdown; ``dial`` calls it once
the countdown is over; ``skip`` puts it back for later and arms the next; ``stop`` ends the
countdown without a call.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from flask_login import current_user
from werkzeug.wrappers import Response

from dialer.access import roles
from dialer.domain.dialing import progressive
from dialer.domain.dialing.progressive import Armed
from dialer.extensions import db
from dialer.models import Campaign, Role, utcnow
from dialer.web.api import common
from dialer.web.api.agent import agent_state, refuse_while_pbx_down, send_call
from dialer.web.api.common import int_field, json_body
from dialer.web.api.messages import refusal_message
from dialer.web.api.openapi_terms import ID, NULLABLE_TIME, STRING, TIME, obj, operation, ref
from dialer.web.api.payloads import lead_card

bp = Blueprint("api_progressive", __name__, url_prefix="/api/progressive")
common.guard(bp)


def paths() -> dict[str, Any]:
    """The progressive-dialing endpoints in the OpenAPI document."""
    armed = obj(
        now=TIME,
        lead={"oneOf": [ref("Lead"), {"type": "null"}]},
        countdown_s={"type": ["integer", "null"]},
        dial_at=NULLABLE_TIME,
        reason={"oneOf": [obj(code=STRING, message=STRING, until=NULLABLE_TIME), {"type": "null"}]},
    )
    campaign_body = obj(("campaign_id",), campaign_id=ID)
    return {
        "/api/progressive/next": {
            "post": operation(
                "Progressive: claim the next lead and start the campaign's countdown",
                armed,
                body=campaign_body,
                errors=("401", "403", "404", "409", "422"),
                description="Asked again during the countdown, answers the same lead and end.",
            )
        },
        "/api/progressive/dial": {
            "post": operation(
                "Progressive: call the armed lead once its countdown is over",
                obj(call={"type": "object"}, agent={"type": "object"}),
                body=obj(("lead_id",), lead_id=ID),
                status="201",
                errors=("401", "403", "409", "422", "503"),
                description="409 no_countdown when the countdown was stopped, the agent "
                "paused or it was already dialled; 409 countdown_running before its end.",
            )
        },
        "/api/progressive/skip": {
            "post": operation(
                "Progressive: put the armed lead back for later and arm the next",
                armed,
                body=campaign_body,
                errors=("401", "403", "404", "409", "422"),
            )
        },
        "/api/progressive/stop": {
            "post": operation(
                "Progressive: stop the countdown; the lead stays on screen",
                obj(agent={"type": "object"}),
                errors=("401", "409"),
            )
        },
    }


def _armed_body(got: Armed | Any, campaign_id: int) -> dict[str, Any]:
    if isinstance(got, Armed):
        return {
            "now": utcnow().isoformat(),  # the page counts down on the server's clock
            "lead": lead_card(got.lead),
            "countdown_s": got.campaign.progressive_countdown_s,
            "dial_at": got.dial_at.isoformat(),
            "reason": None,
        }
    campaign = db.session.get(Campaign, campaign_id)
    message = refusal_message(got, campaign.status if campaign else "")
    until = got.until.isoformat() if got.until else None
    return {
        "lead": None,
        "countdown_s": None,
        "dial_at": None,
        "reason": {"code": got.code, "message": message, "until": until},
    }


@bp.post("/next")
@roles(Role.AGENT)
def next_call() -> Response:
    """Claim the next lead and start the countdown, or say why there is none."""
    campaign_id = int_field(json_body(), "campaign_id")
    got = progressive.arm_next_call(db.session, current_user.id, campaign_id, utcnow())
    body = _armed_body(got, campaign_id)  # drawn before the commit expires the rows
    db.session.commit()
    return jsonify(body)


@bp.post("/skip")
@roles(Role.AGENT)
def skip() -> Response:
    """Put the armed lead back for later and arm the next one."""
    campaign_id = int_field(json_body(), "campaign_id")
    got = progressive.skip_armed_lead(db.session, current_user.id, campaign_id, utcnow())
    body = _armed_body(got, campaign_id)
    db.session.commit()
    return jsonify(body)


@bp.post("/stop")
@roles(Role.AGENT)
def stop() -> Response:
    """Stop the countdown: nothing is dialled."""
    progressive.stop_countdown(db.session, current_user.id, utcnow())
    db.session.commit()
    return jsonify(agent=agent_state())


@bp.post("/dial")
@roles(Role.AGENT)
def dial() -> tuple[Response, int]:
    """Call the armed lead, agent's phone first, once the countdown is over."""
    lead_id = int_field(json_body(), "lead_id")
    refuse_while_pbx_down()
    call, notices = progressive.dial_armed_call(
        db.session,
        current_user.id,
        lead_id,
        utcnow(),
        region=current_app.config["DIALER_DEFAULT_REGION"],
    )
    return send_call(call, notices)
