"""The web layer: blueprints that parse input, call the domain, and render or redirect."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from dialer.web import (
        agent,
        api,
        api_inbound,
        auth,
        errors,
        events,
        history,
        home,
        inbound,
        manager,
        openapi,
        supervisor,
    )

    for module in (
        auth,
        home,
        agent,
        api,
        api_inbound,
        events,
        openapi,
        inbound,
        history,
        supervisor,
        manager,
        errors,
    ):
        app.register_blueprint(module.bp)
