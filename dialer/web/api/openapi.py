"""``GET /api/openapi.json``: the OpenAPI 3.1 document of the JSON API.

Each API module describes its own paths in a function the document calls; a test checks
that every ``/api/`` route of the app is in the document.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from dialer.access import public

bp = Blueprint("openapi", __name__, url_prefix="/api")
_CACHE_KEY = "openapi_document"


def ref(name: str) -> dict[str, str]:
    """A reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON body with that schema."""
    return {"content": {"application/json": {"schema": schema}}}


def operation(
    summary: str,
    ok: dict[str, Any] | None = None,
    *,
    body: dict[str, Any] | None = None,
    status: str = "200",
    errors: tuple[str, ...] = ("401", "409"),
    **extra: Any,
) -> dict[str, Any]:
    """One operation: its summary, request body, success and error responses."""
    responses: dict[str, Any] = {
        status: {"description": "Success", **(json_content(ok) if ok else {})}
    }
    for code in errors:
        responses[code] = {"$ref": f"#/components/responses/Error{code}"}
    op: dict[str, Any] = {"summary": summary, "responses": responses, **extra}
    if body is not None:
        op["requestBody"] = {"required": True, **json_content(body)}
    return op


def obj(required: tuple[str, ...] = (), **properties: Any) -> dict[str, Any]:
    """An object schema."""
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


STRING, INTEGER, BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
TIME = {"type": "string", "format": "date-time"}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}


def agent_schemas() -> dict[str, Any]:
    """The component schemas of the agent API."""
    return {
        "Error": obj(("code", "message"), code=STRING, message=STRING),
        "Call": obj(
            id=INTEGER,
            direction={"enum": ["outbound", "inbound"]},
            state={"enum": ["queued", "originating", "ringing", "dialing", "connected", "ended"]},
            status={
                "type": ["string", "null"],
                "description": "ANSWER, BUSY, NOANSWER, CANCEL or FAIL once ended",
            },
            number=STRING,
            lead_id={"type": ["integer", "null"]},
            campaign_id={"type": ["integer", "null"]},
            created_at=TIME,
            answered_at=NULLABLE_TIME,
            ended_at=NULLABLE_TIME,
            ended_estimated={
                "type": "boolean",
                "description": "the PBX was out of sight: ended_at is when last known up",
            },
            talk_s=INTEGER,
            hung_up_by={"type": ["string", "null"]},
            cause=STRING,
            is_up=BOOLEAN,
        ),
        "Campaign": obj(
            id=INTEGER,
            name=STRING,
            description=STRING,
            status=STRING,
            caller_id={"type": ["string", "null"]},
            max_attempts=INTEGER,
            calling_hours=obj(days=STRING, start=STRING, end=STRING, timezone=STRING),
        ),
        "Survey": obj(
            id=INTEGER,
            name=STRING,
            description=STRING,
            questions={
                "type": "array",
                "items": obj(
                    id=INTEGER,
                    kind={
                        "enum": [
                            "single_choice",
                            "multiple_choice",
                            "text",
                            "number",
                            "rating",
                            "yes_no",
                        ]
                    },
                    text=STRING,
                    options={"type": "array", "items": STRING},
                    is_required=BOOLEAN,
                ),
            },
        ),
        "Lead": obj(
            id=INTEGER,
            name=STRING,
            first_name=STRING,
            last_name=STRING,
            phone={"type": "string", "description": "E.164"},
            phone_raw=STRING,
            email=STRING,
            custom={"type": "object", "additionalProperties": STRING},
            attempts=INTEGER,
            last_status={"type": ["string", "null"]},
            status=STRING,
            campaign=ref("Campaign"),
            survey={"oneOf": [ref("Survey"), {"type": "null"}]},
        ),
        "PauseReason": obj(
            id=INTEGER, code=STRING, name=STRING, name_vi={"type": ["string", "null"]}
        ),
        "Agent": obj(
            user_id=INTEGER,
            session_id={"type": "integer", "description": "this sign-in; a later one replaces it"},
            agent_id=STRING,
            name=STRING,
            state={
                "enum": ["ready", "paused", "ringing", "connected", "wrapup", "unavailable"],
                "description": "Ready blue, Paused grey, Ringing yellow, Connected red",
            },
            state_since=TIME,
            login_at=TIME,
            now=TIME,
            extension=STRING,
            queues={"type": "array", "items": STRING},
            worked_s={"type": "integer", "description": "time signed in, pauses left out"},
            pause_reason={"oneOf": [ref("PauseReason"), {"type": "null"}]},
            call={"oneOf": [ref("Call"), {"type": "null"}]},
            lead_id={"type": ["integer", "null"]},
            lead={"oneOf": [ref("Lead"), {"type": "null"}]},
            survey_saved=BOOLEAN,
        ),
    }


ERROR_RESPONSES = {
    code: {"description": text, **json_content(ref("Error"))}
    for code, text in {
        "400": "Bad request (e.g. csrf_failed, invalid_json)",
        "401": "Not signed in (unauthenticated) or wrong credentials",
        "403": "Not allowed (forbidden, not_assigned)",
        "404": "Not found",
        "409": "Not possible in the agent's or the call's state",
        "415": "The body must be application/json",
        "422": "Invalid input (invalid_field, survey_invalid, invalid_number, blacklisted)",
        "429": "Too many failed sign-ins",
        "503": "The dialer cannot place calls right now",
    }.items()
}


def agent_paths() -> dict[str, Any]:
    """The paths of the agent API."""
    return {
        "/api/session": {
            "post": operation(
                "Agent login: opens a cookie session and returns a Bearer token",
                obj(
                    token=STRING,
                    token_type=STRING,
                    expires_at=TIME,
                    user=obj(id=INTEGER, username=STRING),
                    agent={"oneOf": [ref("Agent"), {"type": "null"}]},
                ),
                body=obj(
                    ("agent_id", "password"), agent_id=STRING, password=STRING, extension=STRING
                ),
                status="201",
                errors=("400", "401", "415", "429"),
                security=[],
            ),
            "delete": operation(
                "Logout: ends every cookie session and token of the user",
                obj(signed_out=BOOLEAN),
                errors=("401",),
            ),
        },
        "/api/agent": {
            "get": operation("The agent's state, extension, queues, timers, call", ref("Agent"))
        },
        "/api/pause-reasons": {
            "get": operation(
                "The pause reasons an agent may pick",
                {"type": "array", "items": ref("PauseReason")},
            )
        },
        "/api/agent/pause": {
            "post": operation(
                "Pause with a reason from the list (no reason, no pause)",
                ref("Agent"),
                body=obj(("reason_id",), reason_id=INTEGER),
                errors=("400", "401", "409", "422"),
            )
        },
        "/api/agent/ready": {"post": operation("Back to Ready", ref("Agent"))},
        "/api/agent/heartbeat": {
            "post": {
                "summary": "The screen is alive (the open event stream also counts)",
                "responses": {"204": {"description": "Noted"}},
            }
        },
        "/api/campaigns": {
            "get": operation(
                "The running campaigns the agent may work",
                {"type": "array", "items": ref("Campaign")},
            )
        },
        "/api/leads/next": {
            "post": operation(
                "Get Lead: the claimed lead with campaign and survey, or why there is none",
                obj(
                    lead={"oneOf": [ref("Lead"), {"type": "null"}]},
                    reason={
                        "oneOf": [
                            obj(
                                code={
                                    "enum": [
                                        "no_leads_left",
                                        "outside_calling_hours",
                                        "campaign_not_running",
                                        "next_retry_later",
                                        "all_leads_held",
                                    ]
                                },
                                message=STRING,
                                until=NULLABLE_TIME,
                            ),
                            {"type": "null"},
                        ]
                    },
                ),
                body=obj(("campaign_id",), campaign_id=INTEGER),
                errors=("401", "403", "404", "409", "422"),
            )
        },
        "/api/calls": {
            "post": operation(
                "Call the held lead, or a typed number (manual call-out); agent's phone first",
                obj(call=ref("Call"), agent=ref("Agent")),
                body={
                    "oneOf": [
                        obj(("lead_id",), lead_id=INTEGER),
                        obj(("number",), number=STRING),
                    ]
                },
                status="201",
                errors=("401", "409", "415", "422", "503"),
            )
        },
        "/api/calls/{call_id}": {
            "get": operation(
                "A call's state and outcome", obj(call=ref("Call")), errors=("401", "404")
            ),
        },
        "/api/calls/{call_id}/hangup": {
            "post": operation(
                "Hang up; before the customer answers this is a CANCEL (503: PBX unreachable)",
                obj(call=ref("Call")),
                errors=("401", "404", "409", "503"),
            )
        },
        "/api/calls/{call_id}/survey": {
            "put": operation(
                "Save the call's survey exactly once per Idempotency-Key (200 when replayed)",
                obj(response_id=INTEGER, replayed=BOOLEAN, agent=ref("Agent")),
                body=obj(
                    ("answers",),
                    answers={
                        "type": "object",
                        "description": "question id to answer (string, number, boolean or list)",
                    },
                ),
                status="201",
                errors=("400", "401", "404", "409", "422"),
                parameters=[
                    {"name": "Idempotency-Key", "in": "header", "required": True, "schema": STRING}
                ],
            )
        },
        "/api/events": {
            "get": {
                "summary": "The screen's live events (server-sent events, JSON data lines)",
                "description": "Each `data:` line is {event, data, ts}; events: agent, "
                "forced_logout, session_replaced, pbx, signed_out, hello, "
                "and the inbound pages' own.",
                "responses": {
                    "200": {"description": "Stream", "content": {"text/event-stream": {}}}
                },
            }
        },
        "/api/openapi.json": {
            "get": {
                "summary": "This document",
                "security": [],
                "responses": {"200": {"description": "OpenAPI 3.1"}},
            }
        },
    }


def document() -> dict[str, Any]:
    """The whole OpenAPI document, built afresh from each API module's description."""
    from dialer.web.api import openapi_inbound

    paths: dict[str, dict[str, Any]] = {}
    for described in (agent_paths(), openapi_inbound.paths()):
        for path, item in described.items():
            paths.setdefault(path, {}).update(item)
    schemas = {**agent_schemas(), **openapi_inbound.schemas()}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Dialer agent API",
            "version": "1",
            "description": "Every agent action of the desktop. Errors are {code, message}. "
            "Cookie sessions send the page's CSRF token in X-CSRFToken; Bearer tokens "
            "(from POST /api/session) need none.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"cookie": []}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "responses": {f"Error{code}": item for code, item in ERROR_RESPONSES.items()},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
    }


@bp.get("/openapi.json")
@public
def openapi_json() -> Response:
    """The OpenAPI document (built on the first request, then kept on the app)."""
    if _CACHE_KEY not in current_app.extensions:
        current_app.extensions[_CACHE_KEY] = document()
    return jsonify(current_app.extensions[_CACHE_KEY])
