"""The inbound and history endpoints in the OpenAPI document (``/api/openapi.json``)."""

from __future__ import annotations

from typing import Any

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
    ref,
)

DATE = {"type": "string", "format": "date"}


def _query(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or STRING,
    }


def _path(name: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema or ID}


DAY = _query("date", "YYYY-MM-DD in the deployment's time zone; today when left out", DATE)
PAGE = _query("page", "10 rows a page, from 1", {"type": "integer", "minimum": 1})
AGENT = _query(
    "agent_id",
    "another agent's history (supervisors and managers only; agents get 403)",
    ID,
)


def schemas() -> dict[str, Any]:
    """The component schemas of the inbound and history endpoints."""
    return {
        "CallRow": obj(
            call_id=INTEGER,
            date=DATE,
            hour={"type": "string", "description": "HH:MM:SS, local time"},
            at=TIME,
            direction={"enum": ["inbound", "outbound"]},
            number={"type": "string", "description": "E.164 when it parses"},
            status={
                "type": ["string", "null"],
                "description": "ANSWER BUSY NOANSWER CANCEL FAIL / COMPLETEAGENT COMPLETECALLER "
                "TRANSFER ABANDON RINGNOANSWER; null while the call is up",
            },
            state=STRING,
            wait_s=INTEGER,
            talk_s=INTEGER,
            has_xcm={"type": "boolean", "description": "a Report XCM was saved with the call"},
            agent_name=STRING,
        ),
        "PhonePage": obj(
            number=STRING,
            page=INTEGER,
            has_more={"type": "boolean", "description": "Get more has another page"},
            rows={"type": "array", "items": ref("CallRow")},
        ),
        "Contact": obj(
            id=INTEGER,
            phone={"type": "string", "description": "E.164"},
            name=STRING,
            email=STRING,
            address=STRING,
            notes=STRING,
            is_vip=BOOLEAN,
        ),
        "ContactInput": obj(
            name={"type": "string", "maxLength": 160},
            email={"type": "string", "maxLength": 255},
            address={"type": "string", "maxLength": 1000},
            notes={"type": "string", "maxLength": 4000},
            is_vip=BOOLEAN,
        ),
        "XcmReport": obj(
            id=INTEGER,
            call_id=INTEGER,
            contact_id={"type": ["integer", "null"]},
            agent_id=INTEGER,
            category={"enum": ["information", "complaint", "support", "sales", "other"]},
            note=STRING,
            created_at=TIME,
        ),
    }


def paths() -> dict[str, Any]:
    """The inbound and history endpoints."""
    return {
        "/api/history": {
            "get": operation(
                "The agent's calls of a day: totals and 10 rows a page, newest first",
                obj(
                    agent_id=INTEGER,
                    date=DATE,
                    direction={"enum": ["all", "inbound", "outbound"]},
                    page=INTEGER,
                    pages=INTEGER,
                    page_size=INTEGER,
                    totals=obj(
                        date=DATE,
                        total=INTEGER,
                        completed=INTEGER,
                        failed=INTEGER,
                        wait_s=INTEGER,
                        talk_s=INTEGER,
                    ),
                    rows={"type": "array", "items": ref("CallRow")},
                ),
                errors=("400", "401", "403", "404"),
                parameters=[
                    DAY,
                    _query("direction", "all (default), inbound or outbound"),
                    PAGE,
                    AGENT,
                ],
            )
        },
        "/api/history/summary": {
            "get": operation(
                "The Show CW box: the call on now, today's inbound and outbound counts, VIP alert",
                obj(
                    now=TIME,
                    current={
                        "oneOf": [
                            obj(
                                call_id=INTEGER,
                                direction=STRING,
                                number=STRING,
                                state=STRING,
                                since=NULLABLE_TIME,
                            ),
                            {"type": "null"},
                        ]
                    },
                    inbound_today=INTEGER,
                    outbound_today=INTEGER,
                    is_vip=BOOLEAN,
                ),
                errors=("401",),
            )
        },
        "/api/activity": {
            "get": operation(
                "The agent's logins, logouts and pauses (with reasons and durations) of a day",
                obj(
                    agent_id=INTEGER,
                    date=DATE,
                    paused_s=INTEGER,
                    rows={
                        "type": "array",
                        "items": obj(
                            kind={"enum": ["login", "logout", "forced_logout", "pause"]},
                            label=STRING,
                            started_at=TIME,
                            start=STRING,
                            end=STRING,
                            duration_s={"type": ["integer", "null"]},
                            reason=STRING,
                            detail=STRING,
                        ),
                    },
                ),
                errors=("400", "401", "403", "404"),
                parameters=[DAY, AGENT],
            )
        },
        "/api/contacts": {
            "post": operation(
                "Save the contact of a number: created on first save (201), else updated",
                ref("Contact"),
                body={
                    "allOf": [
                        ref("ContactInput"),
                        obj(("number",), number=STRING, call_id=ID),
                    ]
                },
                status="201",
                errors=("400", "401", "404", "415", "422"),
                operationId="saveContact",
                responses_links={
                    code: {
                        "EditContact": link(
                            "editContact", "Edit the contact", contact_id="$response.body#/id"
                        ),
                        "ContactCalls": link(
                            "contactCalls", "The contact's calls", contact_id="$response.body#/id"
                        ),
                    }
                    for code in ("201",)
                },
            )
        },
        "/api/contacts/by-number/{number}": {
            "get": operation(
                "The contact of a number in any shape (0912..., +8491..., 8491..., 912...)",
                obj(number=STRING, contact={"oneOf": [ref("Contact"), {"type": "null"}]}),
                errors=("401", "404"),
                parameters=[_path("number", STRING)],
            )
        },
        "/api/contacts/by-number/{number}/calls": {
            "get": operation(
                "Phone history of a number, newest first; has_more says Get more has more",
                ref("PhonePage"),
                errors=("400", "401", "404"),
                parameters=[_path("number", STRING), PAGE],
            )
        },
        "/api/contacts/{contact_id}": {
            "put": operation(
                "Edit a contact (validated; nothing changes when a field is bad)",
                ref("Contact"),
                body=ref("ContactInput"),
                errors=("400", "401", "404", "415", "422"),
                operationId="editContact",
                parameters=[_path("contact_id")],
            )
        },
        "/api/contacts/{contact_id}/calls": {
            "get": operation(
                "Phone history of a contact's number, newest first, 10 a page",
                ref("PhonePage"),
                errors=("400", "401", "404"),
                operationId="contactCalls",
                parameters=[_path("contact_id"), PAGE],
            )
        },
        "/api/calls/{call_id}/xcm": {
            "put": operation(
                "Save the call's Report XCM exactly once per Idempotency-Key (200 when replayed; "
                "409 xcm_already_saved for a second report)",
                ref("XcmReport"),
                body=obj(
                    ("category", "note"),
                    category={"enum": ["information", "complaint", "support", "sales", "other"]},
                    note={"type": "string", "maxLength": 4000},
                ),
                status="201",
                errors=("400", "401", "404", "409", "415", "422"),
                operationId="saveXcm",
                parameters=[_path("call_id"), IDEMPOTENCY_KEY],
            ),
            "get": operation(
                "The Report XCM saved with a call, with its agent and category in words",
                {
                    "allOf": [
                        ref("XcmReport"),
                        obj(
                            category_label=STRING,
                            agent_name=STRING,
                            number=STRING,
                            direction=STRING,
                            saved_at=STRING,
                        ),
                    ]
                },
                errors=("401", "404"),
                operationId="getXcm",
                parameters=[_path("call_id")],
            ),
        },
    }
