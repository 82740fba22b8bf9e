"""The helpdesk panel's endpoints in the OpenAPI document (``/api/openapi.json``)."""

from __future__ import annotations

from typing import Any

from dialer.web.api.openapi_terms import BOOLEAN, ID, INTEGER, STRING, obj, operation, ref

NULLABLE_STRING = {"type": ["string", "null"]}


def schemas() -> dict[str, Any]:
    """The helpdesk panel's component schemas."""
    return {
        "CrmContact": obj(ref=STRING, name=STRING, phone=STRING, email=STRING, url=STRING),
        "CrmTicket": obj(
            ref=STRING,
            subject=STRING,
            status=STRING,
            updated_at={"type": ["string", "null"], "format": "date-time"},
            url=STRING,
        ),
        "CrmLink": obj(
            choice={"enum": ["latest", "new", "none"]},
            status={
                "enum": ["pending", "linked", "failed", "none"],
                "description": "pending while the helpdesk is being reached (retried); "
                "failed with error once it gave up",
            },
            ticket_ref=STRING,
            ticket_url=STRING,
            contact_ref=STRING,
            attempts=INTEGER,
            error=NULLABLE_STRING,
        ),
    }


_CALL_ID = {"name": "call_id", "in": "path", "required": True, "schema": ID}


def paths() -> dict[str, Any]:
    """The helpdesk panel's paths."""
    return {
        "/api/calls/{call_id}/crm": {
            "get": operation(
                "The caller in the helpdesk: contact (newest of the matches), latest tickets, "
                "the link made; a helpdesk that does not answer in time gives a problem, "
                "not a wait",
                obj(
                    call_id=INTEGER,
                    provider={"enum": ["builtin", "freshdesk", "zendesk", "generic"]},
                    number=STRING,
                    contact={"oneOf": [ref("CrmContact"), {"type": "null"}]},
                    matches={"type": "integer", "description": "contacts found for the number"},
                    tickets={"type": "array", "items": ref("CrmTicket")},
                    link={"oneOf": [ref("CrmLink"), {"type": "null"}]},
                    problem={
                        "type": ["string", "null"],
                        "description": "crm_timeout, crm_unreachable, crm_bad_credentials, ...",
                    },
                    problem_message=NULLABLE_STRING,
                    pages={"type": "object", "additionalProperties": STRING},
                    popup={"enum": ["in-app", "browser"]},
                    recording_url={
                        "type": ["string", "null"],
                        "description": "where the user may play the recording (range requests)",
                    },
                ),
                errors=("401", "404"),
                parameters=[_CALL_ID],
            )
        },
        "/api/calls/{call_id}/crm/link": {
            "post": operation(
                "Link the call (with its recording) to the latest ticket, a new ticket, or none. "
                "One choice per call: the same again is replayed (200), another is 409 "
                "crm_already_linked. The helpdesk is reached by a job; the link is pending "
                "until then",
                obj(link=ref("CrmLink"), replayed=BOOLEAN),
                body=obj(("choice",), choice={"enum": ["latest", "new", "none"]}),
                status="201",
                errors=("400", "401", "404", "409", "415", "422"),
                parameters=[
                    _CALL_ID,
                    {"name": "Idempotency-Key", "in": "header", "required": True, "schema": STRING},
                ],
            )
        },
        "/api/calls/{call_id}/crm/contact": {
            "put": operation(
                "Rename the helpdesk contact of the call's link (a new 'unknown' contact)",
                obj(contact=ref("CrmContact")),
                body=obj(("name",), name=STRING),
                errors=("400", "401", "404", "409", "422"),
                parameters=[_CALL_ID],
            )
        },
    }
