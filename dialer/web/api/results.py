"""``GET /api/campaigns/<id>/results`` and ``GET /api/calls``: the results and call search pages
as JSON, with the same filters, keyset pages and roles."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response

from dialer.access import SUPERVISORS, roles
from dialer.domain.reports import calls as call_reports
from dialer.domain.reports import dashboard, paging, results
from dialer.extensions import db
from dialer.models import CallStatus, Direction
from dialer.web import report_args
from dialer.web.api.openapi_terms import (
    BOOLEAN,
    INTEGER,
    NULLABLE_TIME,
    STRING,
    TIME,
    obj,
    operation,
    path_id,
)

bp = Blueprint("api_results", __name__, url_prefix="/api")

_ERRORS = ("400", "401", "403", "404")
_CURSOR = {"type": "string", "pattern": "^[0-9]{1,20}-[0-9]{1,10}$"}
_NULLABLE_STRING = {"type": ["string", "null"]}
_NULLABLE_INTEGER = {"type": ["integer", "null"]}
_PAGE = {
    "older": {**_CURSOR, "type": ["string", "null"], "description": "`after` of the next page"},
    "newer": {**_CURSOR, "type": ["string", "null"], "description": "`before` of the previous"},
}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema, "description": description}


_FILTERS = [
    _query("from", {"type": "string", "format": "date"}, "first day, YYYY-MM-DD (local time)"),
    _query("to", {"type": "string", "format": "date"}, "last day, YYYY-MM-DD (local time)"),
    _query("agent", {"type": "string", "maxLength": 120}, "an agent's id (user name)"),
    _query("status", {"type": "string", "enum": [s.value for s in CallStatus]}, "outcome"),
    _query("after", _CURSOR, "the `older` cursor of the page before"),
    _query("before", _CURSOR, "the `newer` cursor of the page after"),
]
_RESULT_ROW = obj(
    (
        "response_id", "saved_at", "call_id", "call_at", "phone", "first_name", "last_name",
        "email", "custom", "agent", "agent_id", "status", "talk_s", "answers",
    ),
    response_id=INTEGER, saved_at=TIME, call_id=_NULLABLE_INTEGER, call_at=NULLABLE_TIME,
    phone=STRING, first_name=STRING, last_name=STRING, email=STRING, custom={"type": "object"},
    agent=STRING, agent_id=STRING, status=STRING, talk_s=INTEGER,
    answers={"type": "array", "description": "one cell per column, null when not answered"},
)  # fmt: skip
_CALL_ROW = obj(
    (
        "call_id", "created_at", "direction", "campaign", "phone", "lead", "agent", "agent_id",
        "state", "status", "hangup_cause", "hangup_cause_text", "hung_up_by", "ringing_at",
        "answered_at", "ended_at", "wait_s", "talk_s", "has_survey", "has_xcm",
    ),
    call_id=INTEGER, created_at=TIME, direction=STRING, campaign=STRING, phone=STRING,
    lead=STRING, agent=STRING, agent_id=STRING, state=STRING, status=STRING,
    hangup_cause=_NULLABLE_INTEGER, hangup_cause_text=STRING, hung_up_by=STRING,
    ringing_at=NULLABLE_TIME, answered_at=NULLABLE_TIME, ended_at=NULLABLE_TIME,
    wait_s=INTEGER, talk_s=INTEGER, has_survey=BOOLEAN, has_xcm=BOOLEAN,
)  # fmt: skip


def paths() -> dict[str, Any]:
    """The results and call search endpoints in the OpenAPI document."""
    column = obj(("text", "kind"), text=STRING, kind=STRING)
    return {
        "/api/campaigns/{campaign_id}/results": {
            "get": operation(
                "A campaign's completed surveys, newest first (supervisors and managers)",
                obj(
                    ("campaign_id", "columns", "rows", "older", "newer"),
                    campaign_id=INTEGER,
                    columns={"type": "array", "items": column},
                    rows={"type": "array", "items": _RESULT_ROW},
                    **_PAGE,
                ),
                errors=_ERRORS,
                description="The results page as JSON: each survey with its lead, agent, call "
                f"and one answer per column (choices joined with '; '), {paging.PAGE_SIZE} a "
                "page. Filters as the page: from/to (local days), agent, status.",
                parameters=[path_id("campaign_id"), *_FILTERS],
            )
        },
        "/api/calls": {
            "get": operation(
                "Call search, newest first (supervisors and managers)",
                obj(
                    ("rows", "older", "newer"),
                    rows={"type": "array", "items": _CALL_ROW},
                    **_PAGE,
                ),
                errors=_ERRORS,
                description="The call search page as JSON, with its filters.",
                parameters=[
                    *_FILTERS,
                    _query("campaign", {"type": "string", "maxLength": 200}, "name or id"),
                    _query(
                        "direction",
                        {"type": "string", "enum": [d.value for d in Direction]},
                        "inbound or outbound",
                    ),  # fmt: skip
                    _query("number", {"type": "string", "maxLength": 40}, "a customer's number"),
                ],
            )
        },
    }


@bp.get("/campaigns/<int:campaign_id>/results")
@roles(*SUPERVISORS)
def campaign_results(campaign_id: int) -> Response:
    """One page of the campaign's completed surveys; a bad filter is a 400 naming it."""
    campaign = dashboard.find_campaign(db.session, campaign_id)
    columns = results.question_columns(db.session, campaign)
    page = results.results_page(
        db.session,
        campaign,
        report_args.filters_from(request.args),
        columns,
        **report_args.cursors(),
    )
    body = {
        "campaign_id": campaign.id,
        "columns": [{"text": column.text, "kind": column.kind} for column in columns],
        "rows": [_result_json(row) for row in page.rows],
        **_edges(page),
    }
    db.session.rollback()  # read only
    return jsonify(body)


@bp.get("/calls")
@roles(*SUPERVISORS)
def calls() -> Response:
    """One page of the calls matching the filters."""
    args = request.args
    chosen = report_args.filters_from(args, with_calls=True)
    page = call_reports.search_calls(db.session, chosen, **report_args.cursors())
    body = {"rows": [_call_json(row) for row in page.rows], **_edges(page)}
    db.session.rollback()  # read only
    return jsonify(body)


def _edges(page: paging.Page[Any]) -> dict[str, str | None]:
    return {
        "older": str(page.older) if page.older else None,
        "newer": str(page.newer) if page.newer else None,
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _result_json(row: results.ResultRow) -> dict[str, Any]:
    return {
        "response_id": row.response_id,
        "saved_at": _iso(row.saved_at),
        "call_id": row.call_id,
        "call_at": _iso(row.call_at),
        "phone": row.phone,
        "first_name": row.first_name,
        "last_name": row.last_name,
        "email": row.email,
        "custom": row.custom,
        "agent": row.agent_name,
        "agent_id": row.agent_username,
        "status": row.status,
        "talk_s": row.talk_s,
        "answers": row.answers,
    }


def _call_json(row: call_reports.CallRow) -> dict[str, Any]:
    return {
        "call_id": row.call_id,
        "created_at": _iso(row.created_at),
        "direction": row.direction,
        "campaign": row.campaign_name,
        "phone": row.phone,
        "lead": row.lead_name,
        "agent": row.agent_name,
        "agent_id": row.agent_username,
        "state": row.state,
        "status": row.status,
        "hangup_cause": row.hangup_cause,
        "hangup_cause_text": row.hangup_cause_text,
        "hung_up_by": row.hung_up_by,
        "ringing_at": _iso(row.ringing_at),
        "answered_at": _iso(row.answered_at),
        "ended_at": _iso(row.ended_at),
        "wait_s": row.wait_s,
        "talk_s": row.talk_s,
        "has_survey": row.has_survey,
        "has_xcm": row.has_xcm,
    }
