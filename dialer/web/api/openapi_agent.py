"""The agent desktop's endpoints in the OpenAPI document (``/api/openapi.json``)."""

from __future__ import annotations

from typing import Any

from dialer.models import AgentState, CallState
from dialer.web.api.openapi_terms import (
    BOOLEAN,
    ID,
    IDEMPOTENCY_KEY,
    INTEGER,
    NULLABLE_TIME,
    STRING,
    TIME,
    link,
    obj,
    operation,
    path_id,
    ref,
)


def agent_schemas() -> dict[str, Any]:
    """The component schemas of the agent API."""
    return {
        "Error": obj(("code", "message"), code=STRING, message=STRING),
        "Call": obj(
            id=INTEGER,
            direction={"enum": ["outbound", "inbound"]},
            state={"enum": [str(state) for state in CallState]},
            status={
                "type": ["string", "null"],
                "description": "ANSWER, BUSY, NOANSWER, CANCEL, FAIL or MACHINE once ended",
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
            amd_status={
                "type": ["string", "null"],
                "description": "answering-machine detection: MACHINE, HUMAN, NOTSURE or HANGUP; "
                "null when the campaign does not detect machines",
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
            dial_mode={"enum": ["preview", "progressive", "predictive"]},
            countdown_s={
                "type": "integer",
                "description": "progressive: seconds between the saved survey and the next call",
            },
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
            custom_fields={
                "type": "array",
                "description": "the custom fields in the lead file's column order",
                "items": obj(name=STRING, value=STRING),
            },
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
                "enum": [str(state) for state in AgentState if state != AgentState.LOGGED_OUT],
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
            autodial_at={
                **NULLABLE_TIME,
                "description": "progressive dialing: when the held lead will be dialled",
            },
            survey_saved=BOOLEAN,
        ),
    }


# Where the id of a call placed by POST /api/calls is used next.


CALL_LINKS = {
    name: link(target, text, call_id="$response.body#/call/id")
    for name, target, text in (
        ("GetCall", "getCall", "The call's state and outcome"),
        ("HangUp", "hangUp", "Hang up the call"),
        ("SaveSurvey", "saveSurvey", "Save the call's survey"),
        ("SaveXcm", "saveXcm", "Save the call's Report XCM"),
        ("GetXcm", "getXcm", "Read the call's Report XCM"),
    )
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
                errors=("400", "401", "415", "429", "503"),
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
                body=obj(("reason_id",), reason_id=ID),
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
        "/api/agent/campaign": {
            "put": operation(
                "Remember the campaign the agent picked: the desktop offers it first from now on",
                body=obj(("campaign_id",), campaign_id=ID),
                status="204",
                errors=("401", "403", "422"),
            )
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
                body=obj(("campaign_id",), campaign_id=ID),
                errors=("401", "403", "404", "409", "422"),
                operationId="getLead",
                responses_links={
                    "200": {
                        "CallTheLead": link(
                            "startCall",
                            "Call the lead just claimed",
                            lead_id="$response.body#/lead/id",
                        )
                    }
                },
            )
        },
        "/api/calls": {
            "post": operation(
                "Call the held lead, or a typed number (manual call-out); agent's phone first",
                obj(call=ref("Call"), agent=ref("Agent")),
                body={
                    "oneOf": [
                        obj(("lead_id",), lead_id=ID),
                        obj(("number",), number=STRING),
                    ]
                },
                status="201",
                errors=("401", "404", "409", "415", "422", "503"),
                operationId="startCall",
                responses_links={"201": CALL_LINKS},
            )
        },
        "/api/calls/{call_id}": {
            "get": operation(
                "A call's state and outcome",
                obj(call=ref("Call")),
                errors=("401", "404"),
                operationId="getCall",
                parameters=[path_id("call_id")],
            ),
        },
        "/api/calls/{call_id}/hangup": {
            "post": operation(
                "Hang up; before the customer answers this is a CANCEL (503: PBX unreachable)",
                obj(call=ref("Call")),
                errors=("401", "404", "409", "503"),
                operationId="hangUp",
                parameters=[path_id("call_id")],
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
                operationId="saveSurvey",
                parameters=[path_id("call_id"), IDEMPOTENCY_KEY],
            )
        },
        "/api/events": {
            "get": {
                "summary": "The screen's live events (server-sent events, JSON data lines)",
                "description": "Each `data:` line is {event, data, ts}; events: agent, "
                "forced_logout, session_replaced, pbx, signed_out, hello, and the inbound "
                "pages' own. Supervisors "
                "and managers: `?campaign=ID` streams that campaign's campaign_changed "
                "notices (the dashboard) instead of the wallboard's events.",
                "parameters": [{"name": "campaign", "in": "query", "schema": ID}],
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
