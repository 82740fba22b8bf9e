"""The helpdesk panel's endpoints (C1, C2): look the caller up, link the call, rename.

The lookup waits on the helpdesk only for its short timeout and answers with a
``problem`` instead of hanging; linking saves the agent's one choice and leaves
the helpdesk work to a job, so the desktop never waits on the helpdesk.
"""

from __future__ import annotations

import contextlib

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from redis.exceptions import RedisError
from werkzeug.wrappers import Response

from dialer.access import ALL_STAFF, roles
from dialer.domain.contacts import directory as contacts
from dialer.domain.crm import display, links, panel, settings
from dialer.domain.crm.http import LOOKUP_TIMEOUT_S
from dialer.domain.dialing import recordings
from dialer.extensions import db
from dialer.jobs import crm as crm_jobs
from dialer.models import Call, CallState, Role, utcnow
from dialer.web.api import common
from dialer.web.api.common import ApiError, json_body
from dialer.web.api.crm_messages import panel_problem

bp = Blueprint("api_crm", __name__, url_prefix="/api")
common.guard(bp)


@bp.app_template_global("crm_texts")
def crm_texts() -> dict[str, object]:
    """The helpdesk panel's sentences for static/js/crm_panel.js, in the agent's language."""
    return {
        "loading": _("Looking the caller up in the helpdesk..."),
        "no_contact": _("The helpdesk has no contact with this number."),
        "matches": _("%(count)s contacts have this number; showing the most recently updated."),
        "no_tickets": _("No tickets yet."),
        "confirm_none": _("Do not link this call to any ticket?"),
        "pending": _("Linking... the helpdesk will be tried again if it does not answer."),
        "linked": _("Linked to ticket %(ticket)s."),
        "linked_builtin": _("Linked to the call's record."),
        "failed": _("Linking failed: %(reason)s"),
        "not_linked": _("Not linked."),
        "renamed": _("Name saved in the helpdesk."),
        "open": _("Open"),
        "provider": {
            "builtin": _("Built-in CRM"),
            "freshdesk": "Freshdesk",
            "zendesk": "Zendesk",
            "generic": _("External CRM"),
        },
    }


def _visible_call(call_id: int) -> Call:
    call = db.session.get(Call, call_id)
    if not contacts.may_see_call(db.session, current_user, call):
        raise ApiError(404, "not_found", panel_problem("not_found"))
    assert call is not None
    return call


@bp.get("/calls/<int:call_id>/crm")
@roles(*ALL_STAFF)
def get_call_crm(call_id: int) -> Response:
    """The caller from the helpdesk: contact, matches, latest tickets, the link made if any."""
    config = current_app.config
    call = _visible_call(call_id)
    shown = panel.lookup(
        db.session,
        call,
        config["DIALER_CRM_KEY"],
        region=config["DIALER_DEFAULT_REGION"],
        timeout_s=LOOKUP_TIMEOUT_S,
    )
    db.session.rollback()  # a lookup writes nothing (the built-in CRM only reads)
    shown["recording_url"] = _recording_url(call)
    shown["problem_message"] = panel_problem(shown["problem"]) if shown["problem"] else None
    _explain(shown["link"])
    if shown["link"] is not None and shown["link"]["status"] == "pending":
        _requeue(call_id)
    if shown.get("popup") == display.IN_APP and _is_own_live_call(call):
        _pop_up(call_id, (shown["contact"] or {}).get("ref"))
    return jsonify(shown)


def _is_own_live_call(call: Call) -> bool:
    """The signed-in agent's own call, ringing or up: the one whose caller pops up for them."""
    return call.agent_id == current_user.id and call.state != CallState.ENDED


def _pop_up(call_id: int, contact_ref: str | None) -> None:
    """Ask the helpdesk, in a job, to open the caller in the agent's own helpdesk screen."""
    if not display.is_wanted(db.session):
        return
    db.session.rollback()
    try:
        crm_jobs.enqueue_display(call_id, contact_ref)
    except RedisError:  # only the pop-up is lost; the panel shows the caller all the same
        current_app.logger.warning("crm pop-up of call %s not queued: Redis unavailable", call_id)


def _requeue(call_id: int) -> None:
    """A pending link whose job was never queued (Redis was down) is queued now, once."""
    link = links.link_for_call(db.session, call_id)
    with contextlib.suppress(RedisError):
        if link is not None:
            crm_jobs.enqueue_link(link.id)


def _recording_url(call: Call) -> str | None:
    """Where the signed-in user can play the call's recording, if it exists and they may."""
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    if recordings.recording_file(current_app.config["DIALER_RECORDINGS_DIR"], call) is None:
        return None
    if not recordings.may_play(db.session, user, call, utcnow()):
        return None
    return url_for("recordings.play", call_id=call.id)


def _explain(link: dict | None) -> dict | None:
    """The link with its failure reason in the user's language."""
    if link is not None:
        link["error_message"] = panel_problem(link["error"]) if link["error"] else None
    return link


@bp.post("/calls/<int:call_id>/crm/link")
@roles(Role.AGENT)
def link_call(call_id: int) -> tuple[Response, int]:
    """Save the call's one choice (latest, new, none) per Idempotency-Key; a job does the rest."""
    choice = str(json_body().get("choice") or "")
    chosen = links.choose_link(
        db.session,
        call_id,
        current_user.id,
        choice,
        request.headers.get("Idempotency-Key", ""),
        provider=settings.load(db.session).provider,
    )
    db.session.commit()
    if chosen.link.status == "pending":
        try:
            crm_jobs.enqueue_link(chosen.link.id)
        except RedisError:
            current_app.logger.warning("crm link %s not queued: Redis unavailable", chosen.link.id)
    body = {"link": _explain(panel.link_json(chosen.link)), "replayed": not chosen.is_new}
    return jsonify(body), 201 if chosen.is_new else 200


@bp.put("/calls/<int:call_id>/crm/contact")
@roles(Role.AGENT)
def rename_contact(call_id: int) -> Response:
    """Rename the contact the link found or created ('unknown' gets the caller's real name)."""
    config = current_app.config
    connector = settings.connector_for(
        db.session, config["DIALER_CRM_KEY"], timeout_s=LOOKUP_TIMEOUT_S
    )
    try:
        contact = links.rename_contact(
            db.session, call_id, current_user.id, str(json_body().get("name") or ""), connector
        )
    finally:
        settings.release(connector)
    db.session.commit()
    return jsonify(contact=panel.contact_json(contact))
