"""``/api/progressive/*``: the desktop's side of progressive dialing (the server keeps the clock).

``next`` claims the next lead and starts the campaign's countdown; ``dial`` calls it once
the countdown is over; ``skip`` puts it back for later and arms the next; ``stop`` ends the
countdown without a call.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from flask_babel import gettext as _
from flask_login import current_user
from redis.exceptions import RedisError
from werkzeug.wrappers import Response

from dialer import live, pbx_status
from dialer.access import roles
from dialer.domain.dialing import outbound, progressive
from dialer.domain.dialing.progressive import Armed
from dialer.domain.people import snapshots
from dialer.extensions import db, redis_hub
from dialer.jobs import calls as call_jobs
from dialer.models import Campaign, Role, utcnow
from dialer.web.api import common
from dialer.web.api.agent import agent_state
from dialer.web.api.common import ApiError, int_field, json_body
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
    if pbx_status.down_since(redis_hub.client) is not None:
        raise ApiError(
            503, "pbx_unreachable", _("The PBX cannot be reached: no call can be placed now.")
        )
    call, notices = progressive.dial_armed_call(
        db.session,
        current_user.id,
        lead_id,
        utcnow(),
        region=current_app.config["DIALER_DEFAULT_REGION"],
    )
    live.commit_then_publish(notices)
    try:
        call_jobs.enqueue_originate(call.id)
    except RedisError:
        live.commit_then_publish(
            outbound.fail_originate(db.session, call.id, utcnow(), "not dialled")
        )
        raise ApiError(
            503, "queue_unavailable", _("The dialer cannot place calls right now.")
        ) from None
    return jsonify(call=snapshots.call_view(call), agent=agent_state()), 201
