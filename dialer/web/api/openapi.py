"""``GET /api/openapi.json``: the OpenAPI 3.1 document of the JSON API.

Each API module describes its own paths in a function the document calls; a test checks
that every ``/api/`` route of the app is in the document.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from dialer.access import ALL_STAFF, roles
from dialer.web.limits import MAX_ID

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
        "503": "The dialer cannot place calls right now",
    }.items()
}


def document() -> dict[str, Any]:
    """The whole OpenAPI document, built afresh from each API module's description."""
    from dialer.web.api import (
        dashboard,
        openapi_after_call,
        openapi_agent,
        openapi_crm,
        openapi_inbound,
    )

    paths: dict[str, dict[str, Any]] = {}
    for described in (
        openapi_agent.agent_paths(),
        openapi_inbound.paths(),
        dashboard.paths(),
        openapi_crm.paths(),
        openapi_after_call.paths(),
    ):
        for path, item in described.items():
            paths.setdefault(path, {}).update(item)
    schemas = {
        **openapi_agent.agent_schemas(),
        **openapi_inbound.schemas(),
        **openapi_crm.schemas(),
    }
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
@roles(*ALL_STAFF)
def openapi_json() -> Response:
    """The OpenAPI document, for signed-in users only (built on the first request, then kept)."""
    if _CACHE_KEY not in current_app.extensions:
        current_app.extensions[_CACHE_KEY] = document()
    return jsonify(current_app.extensions[_CACHE_KEY])
