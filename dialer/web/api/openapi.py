"""``GET /api/openapi.json``: the OpenAPI 3.1 document of the JSON API.

Each API module describes its own paths in a function the document calls; a test checks
that every ``/api/`` route of the app is in the document.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from dialer.access import ALL_STAFF, roles
from dialer.web.api.openapi_terms import ERROR_RESPONSES

bp = Blueprint("openapi", __name__, url_prefix="/api")
_CACHE_KEY = "openapi_document"


def document() -> dict[str, Any]:
    """The whole OpenAPI document, built afresh from each API module's description."""
    from dialer.web.api import (
        dashboard,
        openapi_after_call,
        openapi_agent,
        openapi_crm,
        openapi_inbound,
        progressive,
    )
    from dialer.web.api import results as api_results

    paths: dict[str, dict[str, Any]] = {}
    for described in (
        openapi_agent.agent_paths(),
        openapi_inbound.paths(),
        dashboard.paths(),
        api_results.paths(),
        openapi_crm.paths(),
        openapi_after_call.paths(),
        progressive.paths(),
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
