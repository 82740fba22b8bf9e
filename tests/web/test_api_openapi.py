"""The OpenAPI document describes every /api/ route the app serves."""

from __future__ import annotations

import re

from flask import Flask

from tests.web.helpers import openapi_document


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
