"""The OpenAPI document describes every /api/ route the app serves."""

from __future__ import annotations

import re

from flask import Flask

from tests.support.web import openapi_document


def test_every_api_route_is_in_the_openapi_document(app: Flask) -> None:
    document = openapi_document(app)
    assert document["openapi"].startswith("3.1")
    documented = {
        (path, method.upper()) for path, item in document["paths"].items() for method in item
    }
    served = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert served - documented == set()
    assert documented - served == set()


def test_every_reference_in_the_document_resolves(app: Flask) -> None:
    document = openapi_document(app)
    text = str(document)
    for kind, name in re.findall(r"#/components/(\w+)/(\w+)", text):
        assert name in document["components"][kind], name


def test_ids_are_bounded_keys_required_and_created_ids_linked(app: Flask) -> None:
    document = openapi_document(app)
    paths = document["paths"]
    for path, item in paths.items():
        for method, op in item.items():
            for parameter in op.get("parameters", []):
                if parameter["in"] == "path" and parameter["schema"].get("type") == "integer":
                    assert parameter["schema"] == {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": 2**31 - 1,
                    }, (path, method)
            if "requestBody" in op:
                assert {"400", "413", "415"} <= set(op["responses"]), (path, method)
    for path, method in (
        ("/api/calls/{call_id}/survey", "put"),
        ("/api/calls/{call_id}/xcm", "put"),
    ):
        keys = [p for p in paths[path][method]["parameters"] if p["name"] == "Idempotency-Key"]
        assert keys and keys[0]["required"] is True
    created = paths["/api/calls"]["post"]["responses"]["201"]["links"]
    assert {link["operationId"] for link in created.values()} == {
        "getCall",
        "hangUp",
        "saveSurvey",
        "saveXcm",
        "getXcm",
    }
    operation_ids = {op.get("operationId") for item in paths.values() for op in item.values()}
    for item in paths.values():
        for op in item.values():
            for response in op["responses"].values():
                for link in response.get("links", {}).values():
                    assert link["operationId"] in operation_ids
