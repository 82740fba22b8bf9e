"""The API's own description, fuzzed (issue 13, item 12).

Schemathesis draws requests from ``/api/openapi.json`` for every operation, valid and
invalid ones, and sends them as agent1 with a Bearer token to the app in-process (WSGI):
no answer may be a server error, carry a status the document does not declare, or break
the schema the document gives for it.
"""

from __future__ import annotations

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories.desk import make_desk
from tests.support.web import api_login, bearer

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Bounded so the whole run stays well under a minute on a small machine.
EXAMPLES_PER_OPERATION = 10


def _operations(app: Flask, token: str) -> list:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app, headers=bearer(token))
    # The live stream never ends, and signing out would end the token the run works with.
    schema = schema.exclude(path="/api/events").exclude(path="/api/session", method="DELETE")
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_answers_as_its_description_says(app: Flask, mode: GenerationMode) -> None:
    make_desk(app, leads=5)
    token = api_login(app.test_client())["token"]
    operations = _operations(app, token)
    assert len(operations) >= 20
    failures: list[str] = []
    for operation in operations:
        strategy = operation.as_strategy(generation_mode=mode)

        @given(case=strategy)
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case) -> None:  # noqa: ANN001
            case.call_and_validate(headers=bearer(token), checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - gather them all
            failures.append(f"{operation.label}: {str(failure)[:1500]}")
    assert failures == [], "\n\n".join(failures)
