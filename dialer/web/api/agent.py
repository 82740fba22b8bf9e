"""The JSON API of the agent desktop: every agent action, by cookie session or Bearer token.

Errors are ``{"code": ..., "message": ...}`` with a stable code. A request
signed in by cookie must carry the page's CSRF token (``X-CSRFToken``); a
request authenticated by a Bearer token is exempt (a browser never adds that
header across sites by itself). The desktop page uses these endpoints too.
"""

from __future__ import annotations

import contextlib
from typing import Any

from flask import Blueprint, current_app, jsonify, request, session
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from redis.exceptions import RedisError
from werkzeug.wrappers import Response

from dialer import live, pbx_status
from dialer.access import ALL_STAFF, public, roles
from dialer.domain.campaigns import answers as survey_answers
from dialer.domain.dialing import campaign_choice, wrapup
from dialer.domain.dialing import outbound as dialing
from dialer.domain.dialing.outbound import Claimed
from dialer.domain.notices import Notice
from dialer.domain.people import accounts, agents, snapshots
from dialer.domain.people import tokens as api_tokens
from dialer.domain.people.agents import AgentError
from dialer.extensions import db, redis_hub
from dialer.jobs import calls as call_jobs
from dialer.jobs import crm as crm_jobs
from dialer.jobs import membership as membership_jobs
from dialer.models import Call, Campaign, Role, utcnow
from dialer.web.api import common
from dialer.web.api.common import ApiError, int_field, json_body
from dialer.web.api.messages import refusal_message
from dialer.web.api.payloads import campaign_card, lead_card, reason_card, work_on_screen
from dialer.web.auth import throttle
from dialer.web.auth.signin import login_messages
from dialer.web.errors import unavailable_message

bp = Blueprint("api", __name__, url_prefix="/api")
common.guard(bp)


def agent_state() -> dict[str, Any]:
    """The signed-in agent's bar and work on screen (raises NOT_SIGNED_IN)."""
    agent_session = accounts.current_agent_session(db.session, current_user.id)
    if agent_session is None:
        raise AgentError(agents.NOT_SIGNED_IN)
    return {
        **snapshots.snapshot(db.session, agent_session, utcnow()),
        **work_on_screen(db.session, agent_session),
    }


# ------------------------------------------------------------- session


@bp.post("/session")
@public
def create_session() -> tuple[Response, int]:
    """Agent login: a cookie session and a Bearer token."""
    body = json_body()
    username = str(body.get("agent_id") or body.get("username") or "")
    password, extension = str(body.get("password") or ""), body.get("extension")
    address = request.remote_addr or "unknown"
    if throttle.seconds_locked(username, address):
        raise ApiError(429, "too_many_failures", _("Too many failed sign-ins. Try again later."))
    try:
        signed_in = accounts.sign_in(
            db.session, username, password, extension and str(extension), now=utcnow()
        )
    except accounts.LoginRefused as refused:
        db.session.rollback()
        accounts.record_failed_sign_in(db.session, username, refused.code, address)
        db.session.commit()
        if refused.code == accounts.BAD_CREDENTIALS:
            throttle.record_failure(username, address)
        raise ApiError(401, refused.code, login_messages()[refused.code]) from None
    token, expires_at = api_tokens.issue_token(db.session, signed_in.user, utcnow())
    live.commit_then_publish(signed_in.notices)
    throttle.clear_failures(username, address)
    session.clear()
    login_user(signed_in.user)
    if signed_in.agent_session is not None:
        # The sign-in stands: a phone check lost to Redis going away meanwhile only leaves
        # the phone's state to the PBX's next event.
        with contextlib.suppress(RedisError):
            call_jobs.enqueue_extension_check(signed_in.agent_session.id)
        membership_jobs.enqueue_syncs([signed_in.agent_session.extension.number])
    body = {
        "token": token,
        "token_type": "Bearer",
        "expires_at": expires_at.isoformat(),
        "user": {"id": signed_in.user.id, "username": signed_in.user.username},
        "agent": agent_state() if signed_in.agent_session is not None else None,
    }
    return jsonify(body), 201


@bp.delete("/session")
@roles(*ALL_STAFF)
def delete_session() -> Response:
    """Sign out everywhere: cookies and tokens end, held leads go back."""
    user = current_user._get_current_object()
    notices = agents.sign_out(db.session, user, utcnow())
    live.commit_then_publish(notices)
    membership_jobs.enqueue_syncs(membership_jobs.extensions_in(notices))
    logout_user()
    session.clear()
    return jsonify(signed_out=True)


# --------------------------------------------------------------- agent


@bp.get("/agent")
@roles(Role.AGENT)
def get_agent() -> Response:
    """The agent's state, extension, queues, timers, current call and lead."""
    return jsonify(agent_state())


@bp.get("/pause-reasons")
@roles(Role.AGENT)
def get_pause_reasons() -> Response:
    """The manager's pause reasons an agent may pick."""
    return jsonify([reason_card(r) for r in agents.pausable_reasons(db.session)])


@bp.post("/agent/pause")
@roles(Role.AGENT)
def pause() -> Response:
    """Pause with a reason from the list."""
    reason_id = int_field(json_body(), "reason_id", required=False)
    notices = agents.pause(db.session, current_user.id, reason_id, utcnow())
    live.commit_then_publish(notices)
    membership_jobs.enqueue_syncs(membership_jobs.extensions_in(notices))
    return jsonify(agent_state())


@bp.post("/agent/ready")
@roles(Role.AGENT)
def ready() -> Response:
    """Back to Ready: from a pause, or from wrap-up once the survey is saved or ``leave_survey``."""
    body = request.get_json(silent=True) if request.is_json else None
    is_survey_left = isinstance(body, dict) and body.get("leave_survey") is True
    notices = wrapup.go_ready(db.session, current_user.id, utcnow(), is_survey_left=is_survey_left)
    live.commit_then_publish(notices)
    membership_jobs.enqueue_syncs(membership_jobs.extensions_in(notices))
    return jsonify(agent_state())


@bp.post("/agent/heartbeat")
@roles(Role.AGENT)
def heartbeat() -> tuple[str, int]:
    """The screen is alive (the event stream does this too while it is open)."""
    agents.record_heartbeat(db.session, current_user.id, utcnow())
    db.session.commit()
    return "", 204


@bp.put("/agent/campaign")
@roles(Role.AGENT)
def choose_campaign() -> tuple[str, int]:
    """The campaign picked on the desktop, remembered across sign-outs (Get Lead does it too)."""
    campaign_id = int_field(json_body(), "campaign_id")
    campaign_choice.remember_campaign(db.session, current_user.id, campaign_id, utcnow())
    db.session.commit()
    return "", 204


# --------------------------------------------------------- get lead, calls


@bp.get("/campaigns")
@roles(Role.AGENT)
def get_campaigns() -> Response:
    """The running campaigns the agent may work."""
    return jsonify(
        [campaign_card(c) for c in campaign_choice.working_campaigns(db.session, current_user.id)]
    )


@bp.post("/leads/next")
@roles(Role.AGENT)
def next_lead() -> Response:
    """Get Lead: the claimed lead with its campaign and survey, or why there is none."""
    campaign_id = int_field(json_body(), "campaign_id")
    now = utcnow()
    got = dialing.claim_next_lead(db.session, current_user.id, campaign_id, now)
    campaign_choice.remember_campaign(db.session, current_user.id, campaign_id, now)
    if isinstance(got, Claimed):
        body = {"lead": lead_card(got.lead), "reason": None}  # drawn before commit expires it
    else:
        campaign = db.session.get(Campaign, campaign_id)
        message = refusal_message(got, campaign.status if campaign else "")
        until = got.until.isoformat() if got.until else None
        body = {"lead": None, "reason": {"code": got.code, "message": message, "until": until}}
    db.session.commit()
    return jsonify(body)


@bp.post("/calls")
@roles(Role.AGENT)
def start_call() -> tuple[Response, int]:
    """Call the held lead (``lead_id``) or a typed number (``number``), agent's phone first."""
    body = json_body()
    refuse_while_pbx_down()
    lead_id = int_field(body, "lead_id", required=False)
    number = None if lead_id is not None else str(body.get("number") or "")
    call, notices = dialing.start_call(
        db.session,
        current_user.id,
        utcnow(),
        lead_id=lead_id,
        number=number,
        region=current_app.config["DIALER_DEFAULT_REGION"],
    )
    return send_call(call, notices)


def refuse_while_pbx_down() -> None:
    """503 ``pbx_unreachable`` before anything is written: the lead keeps its attempts."""
    if pbx_status.down_since(redis_hub.client) is not None:
        raise ApiError(
            503, "pbx_unreachable", _("The PBX cannot be reached: no call can be placed now.")
        )


def send_call(call: Call, notices: list[Notice]) -> tuple[Response, int]:
    """Commit the new call and queue its Originate; the answer for the desktop (201)."""
    live.commit_then_publish(notices)
    try:
        call_jobs.enqueue_originate(call.id)
    except RedisError:
        # Redis went away since the call was written: the call ends FAIL, undialled.
        live.commit_then_publish(
            dialing.fail_originate(db.session, call.id, utcnow(), "not dialled")
        )
        raise ApiError(503, "service_unavailable", unavailable_message()) from None
    return jsonify(call=snapshots.call_view(call), agent=agent_state()), 201


def own_call(call_id: int) -> Call:
    """The agent's own call; 404 for any other."""
    call = db.session.get(Call, call_id)
    if call is None or call.agent_id != current_user.id:
        raise AgentError(dialing.UNKNOWN_CALL)
    return call


@bp.get("/calls/<int:call_id>")
@roles(Role.AGENT)
def get_call(call_id: int) -> Response:
    """A call's state and outcome."""
    return jsonify(call=snapshots.call_view(own_call(call_id)))


@bp.post("/calls/<int:call_id>/hangup")
@roles(Role.AGENT)
def hangup(call_id: int) -> Response:
    """Hang up, or cancel before the customer answers (CANCEL); 503 while the PBX is away."""
    if pbx_status.down_since(redis_hub.client) is not None:
        # Nothing is recorded: the call ends by itself once the link is declared down.
        raise ApiError(
            503,
            "pbx_unreachable",
            _("The PBX cannot be reached, so the call cannot be hung up now. It ends by itself."),
        )
    hung_up_by = own_call(call_id).hung_up_by
    tell_pbx, notices = dialing.request_hangup(db.session, current_user.id, call_id, utcnow())
    live.commit_then_publish(notices)
    if tell_pbx:
        try:
            call_jobs.enqueue_hangup(call_id)
        except RedisError:
            # The PBX will not be told: the call is still up, so the hang-up is taken back.
            dialing.withdraw_hangup(db.session, call_id, hung_up_by)
            db.session.commit()
            raise ApiError(503, "service_unavailable", unavailable_message()) from None
    return jsonify(call=snapshots.call_view(own_call(call_id)))


@bp.put("/calls/<int:call_id>/survey")
@roles(Role.AGENT)
def save_answers(call_id: int) -> tuple[Response, int]:
    """Save the call's survey once per Idempotency-Key; the same key again returns the first."""
    answers = json_body().get("answers")
    if not isinstance(answers, dict):
        raise ApiError(422, "invalid_field", _("answers must be an object."), field="answers")
    saved = survey_answers.save_answers(
        db.session,
        current_user.id,
        call_id,
        request.headers.get("Idempotency-Key", ""),
        answers,
        utcnow(),
    )
    live.commit_then_publish(saved.notices)
    if saved.is_new:
        crm_jobs.enqueue_survey_webhook(call_id)
    body = {"response_id": saved.response.id, "replayed": not saved.is_new, "agent": agent_state()}
    return jsonify(body), 201 if saved.is_new else 200
