"""The web layer: blueprints that parse input, call the domain, and render or redirect."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from dialer.web import agent, api_inbound, auth, errors, history, home, inbound, manager

    for module in (auth, home, agent, inbound, history, api_inbound, manager, errors):
        app.register_blueprint(module.bp)
