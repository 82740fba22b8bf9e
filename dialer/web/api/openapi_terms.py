"""The words the OpenAPI description is written in: schema and operation builders, shared shapes.

Every API module's description imports these; ``openapi`` assembles the document from them.
"""

from __future__ import annotations

from typing import Any

from dialer.web.limits import MAX_ID


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
    """One operation: its summary, request body, success and error responses.

    An operation with a JSON body may also answer 400 (invalid_json), 413 (too large) and
    415 (json_required): the edge checks the body before the operation sees it.
    """
    responses: dict[str, Any] = {
        status: {"description": "Success", **(json_content(ok) if ok else {})}
    }
    if body is not None:
        errors = tuple(sorted({*errors, "400", "413", "415"}))
    for code in errors:
        responses[code] = {"$ref": f"#/components/responses/Error{code}"}
    for code, links in extra.pop("responses_links", {}).items():
        responses[code]["links"] = links
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
# Ids the database can hold (32-bit on PostgreSQL); a URL with a bigger one matches no route.
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


def path_id(name: str) -> dict[str, Any]:
    """A required id in the path."""
    return {"name": name, "in": "path", "required": True, "schema": ID}


def link(
    operation_id: str, description: str, body: dict[str, str] | None = None, **parameters: str
) -> dict[str, Any]:
    """An OpenAPI link: the operation ``operation_id`` takes values from this response."""
    found: dict[str, Any] = {"operationId": operation_id, "description": description}
    if parameters:
        found["parameters"] = parameters
    if body:
        found["requestBody"] = body
    return found


IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": True,
    "description": "Any text up to 80 characters; the same key again replays the first answer",
    "schema": {"type": "string", "minLength": 1, "maxLength": 80},
}
TIME = {"type": "string", "format": "date-time"}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}


ERROR_RESPONSES = {
    code: {"description": text, **json_content(ref("Error"))}
    for code, text in {
        "400": "Bad request (e.g. csrf_failed, invalid_json)",
        "401": "Not signed in (unauthenticated) or wrong credentials",
        "403": "Not allowed (forbidden, not_assigned)",
        "404": "Not found",
        "409": "Not possible in the agent's or the call's state",
        "413": "The request body is larger than the limit",
        "415": "The body must be application/json",
        "422": "Invalid input (invalid_field, survey_invalid, invalid_number, blacklisted)",
        "429": "Too many failed sign-ins",
        "503": "Unavailable, nothing recorded: the PBX cannot be reached (pbx_unreachable) "
        "or the dialer's queue service is not answering (service_unavailable); try again",
    }.items()
}
