"""The after-call endpoints in the OpenAPI document: survey drafts, dispositions, callbacks."""

from __future__ import annotations

from typing import Any

from dialer.web.api.openapi_terms import BOOLEAN, INTEGER, STRING, TIME, obj, operation, ref


def paths() -> dict[str, Any]:
    """Survey draft, disposition and callbacks paths."""
    return {
        "/api/calls/{call_id}/survey/draft": {
            "put": operation(
                "Keep the survey answers typed so far (restored after a reload)",
                obj(kept=BOOLEAN),
                body=obj(("answers",), answers={"type": "object"}),
                errors=("401", "404", "422"),
            )
        },
        "/api/calls/{call_id}/disposition": {
            "put": operation(
                "The disposition of an ended call; a call back books its callback",
                obj(call=ref("Call"), agent=ref("Agent")),
                body=obj(
                    ("disposition_id",),
                    disposition_id=INTEGER,
                    callback=obj(
                        ("at",),
                        at={
                            **STRING,
                            "description": "YYYY-MM-DDTHH:MM in the lead's time zone",
                        },
                        **{"for": {"enum": ["me", "anyone"]}},
                    ),
                ),
                errors=("401", "404", "409", "422"),
            )
        },
        "/api/callbacks": {
            "get": operation(
                "The agent's callbacks due today, earliest first",
                {
                    "type": "array",
                    "items": obj(
                        id=INTEGER,
                        due_at=TIME,
                        due_local=STRING,
                        campaign_id=INTEGER,
                        lead=obj(id=INTEGER, name=STRING, phone=STRING),
                    ),
                },
                errors=("401",),
            )
        },
    }
