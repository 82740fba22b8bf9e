"""The JSON endpoints of the inbound pages and the history (I1-I4, H1-H4, A6).

Errors are JSON with a stable ``code`` and a ``message`` in the user's
language. What an agent may not see answers 404 (or 403 for another agent's
history), so nobody learns whether another agent's call or contact exists.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from dialer.access import ALL_STAFF, roles
from dialer.domain.contacts import directory as contacts
from dialer.domain.contacts import history
from dialer.domain.contacts import xcm as notes
from dialer.extensions import db
from dialer.models import Call, Contact, User, utcnow
from dialer.timefmt import local_zone
from dialer.web import limits
from dialer.web.agent import caller_view as inbound_pages
from dialer.web.agent import history as history_pages
from dialer.web.api import common
from dialer.web.api.common import ApiError, json_body

bp = Blueprint("api_inbound", __name__, url_prefix="/api")
common.guard(bp)


def _not_found() -> ApiError:
    return ApiError(404, "not_found", _("Not found."))


def _region() -> str:
    return current_app.config["DIALER_DEFAULT_REGION"]


# ------------------------------------------------------------------- query args


def day_arg(value: str | None) -> date:
    """The ``date`` parameter (YYYY-MM-DD), today in the configured zone when absent."""
    if not value:
        return history.local_day(local_zone(), utcnow())
    day = history.parse_day(value)
    if day is None:
        raise ApiError(
            400, "bad_date", _("Give a date from 1970-01-01 to 2999-12-31 as YYYY-MM-DD.")
        )
    return day


def page_arg(value: str | None) -> int:
    """The ``page`` parameter: a whole number from 1."""
    if not value:
        return 1
    page = limits.parse_page(value)
    if page is None:
        raise ApiError(400, "bad_page", _("The page must be a whole number from 1."))
    return page


def tab_arg(value: str | None) -> history.Tab:
    """The ``direction`` parameter: all, inbound or outbound."""
    try:
        return history.Tab((value or "all").lower())
    except ValueError:
        message = _("Direction must be all, inbound or outbound.")
        raise ApiError(400, "bad_direction", message) from None


def agent_arg(value: str | None) -> User:
    """The agent whose history is asked for: oneself unless a supervisor names another."""
    if not value:
        return current_user
    agent_id = limits.parse_id(value)
    if agent_id is None:
        raise ApiError(400, "bad_agent", _("The agent id must be a number."))
    if not history.may_view_agent(current_user, agent_id):
        raise ApiError(403, "forbidden", _("You may see only your own history."))
    agent = db.session.get(User, agent_id)
    if agent is None:
        raise _not_found()
    return agent


# ------------------------------------------------------------------- history


@bp.get("/history")
@roles(*ALL_STAFF)
def get_history() -> Response:
    agent = agent_arg(request.args.get("agent_id"))
    day = day_arg(request.args.get("date"))
    found = history.agent_history(
        db.session,
        agent.id,
        day,
        local_zone(),
        tab=tab_arg(request.args.get("direction")),
        page=page_arg(request.args.get("page")),
    )
    return jsonify(
        agent_id=agent.id,
        date=day.isoformat(),
        direction=found.tab.value,
        page=found.page,
        pages=found.pages,
        page_size=history.PAGE_SIZE,
        totals=history.totals_json(found.totals),
        rows=[history.row_json(row, local_zone()) for row in found.rows],
    )


@bp.get("/activity")
@roles(*ALL_STAFF)
def get_activity() -> Response:
    agent = agent_arg(request.args.get("agent_id"))
    day = day_arg(request.args.get("date"))
    rows = history.activity(db.session, agent.id, day, local_zone(), now=utcnow())
    return jsonify(
        agent_id=agent.id,
        date=day.isoformat(),
        paused_s=history.paused_seconds(rows),
        rows=[history_pages.activity_json(row) for row in rows],
    )


@bp.get("/history/summary")
@roles(*ALL_STAFF)
def get_summary() -> Response:
    box = history.summary(db.session, current_user.id, local_zone(), now=utcnow())
    return jsonify(history_pages.summary_json(box))


# ------------------------------------------------------------------ contacts


def _visible_number(raw: str) -> str:
    number = contacts.number_key(raw, _region())
    if not number or not contacts.may_see_number(db.session, current_user, number):
        raise _not_found()
    return number


def _visible_contact(contact_id: int) -> Contact:
    contact = db.session.get(Contact, contact_id)
    if contact is None or not contacts.may_see_number(db.session, current_user, contact.phone):
        raise _not_found()
    return contact


@bp.get("/contacts/by-number/<path:number>")
@roles(*ALL_STAFF)
def contact_by_number(number: str) -> Response:
    key = _visible_number(number)
    contact = contacts.find_contact(db.session, key, _region())
    contacts.record_view(db.session, current_user, key, "contact")
    db.session.commit()
    return jsonify(number=key, contact=contacts.contact_json(contact))


@bp.post("/contacts")
@roles(*ALL_STAFF)
def create_contact() -> tuple[Response, int]:
    body = json_body()
    key = _visible_number(str(body.get("number") or ""))
    call = _own_call(body.get("call_id")) if body.get("call_id") else None
    data = contacts.ContactInput.from_mapping(body)
    contact, created = contacts.save_contact(db.session, key, data, region=_region(), call=call)
    db.session.commit()
    return jsonify(contacts.contact_json(contact)), 201 if created else 200


@bp.put("/contacts/<int:contact_id>")
@roles(*ALL_STAFF)
def update_contact(contact_id: int) -> Response:
    contact = _visible_contact(contact_id)
    data = contacts.ContactInput.from_mapping(json_body())
    contacts.update_contact(contact, data)
    db.session.commit()
    return jsonify(contacts.contact_json(contact))


def _phone_history(number: str) -> Response:
    found = history.phone_history(db.session, number, page=page_arg(request.args.get("page")))
    contacts.record_view(db.session, current_user, number, "history", page=found.page)
    db.session.commit()
    return jsonify(
        number=number,
        page=found.page,
        has_more=found.has_more,
        rows=[history.row_json(row, local_zone()) for row in found.rows],
    )


@bp.get("/contacts/<int:contact_id>/calls")
@roles(*ALL_STAFF)
def contact_calls(contact_id: int) -> Response:
    return _phone_history(_visible_contact(contact_id).phone)


@bp.get("/contacts/by-number/<path:number>/calls")
@roles(*ALL_STAFF)
def number_calls(number: str) -> Response:
    return _phone_history(_visible_number(number))


# ---------------------------------------------------------------------- XCM


def _own_call(call_id: Any) -> Call:
    found = limits.parse_id(call_id)
    call = db.session.get(Call, found) if found is not None else None
    if call is None or call.agent_id != current_user.id:
        raise _not_found()
    return call


@bp.put("/calls/<int:call_id>/xcm")
@roles(*ALL_STAFF)
def save_xcm(call_id: int) -> tuple[Response, int]:
    body = json_body()
    saved = notes.save_xcm(
        db.session,
        call_id,
        current_user.id,
        request.headers.get("Idempotency-Key", ""),
        category=str(body.get("category") or ""),
        note=str(body.get("note") or ""),
        region=_region(),
    )
    db.session.commit()
    return jsonify(notes.report_json(saved.report)), 201 if saved.created else 200


@bp.get("/calls/<int:call_id>/xcm")
@roles(*ALL_STAFF)
def get_xcm(call_id: int) -> Response:
    call = db.session.get(Call, call_id)
    visible = contacts.may_see_call(db.session, current_user, call)
    report = notes.report_for_call(db.session, call_id) if visible else None
    if call is None or report is None:
        raise _not_found()
    contacts.record_view(db.session, current_user, call.customer_number, "xcm", call_id=call_id)
    db.session.commit()
    return jsonify(inbound_pages.report_view(report))
