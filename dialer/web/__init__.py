"""The web layer: blueprints that parse input, call the domain, and render or redirect."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from dialer.web import (
        agent,
        api,
        api_inbound,
        auth,
        blacklist,
        campaigns,
        errors,
        events,
        history,
        home,
        inbound,
        manager,
        openapi,
        supervisor,
        surveys,
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
        campaigns,
        surveys,
        blacklist,
        errors,
    ):
        app.register_blueprint(module.bp)
