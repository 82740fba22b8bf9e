"""The web layer: blueprints that parse input, call the domain, and render or redirect."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from dialer.web import agent, auth, blacklist, campaigns, errors, home, manager, surveys

    for module in (auth, home, agent, manager, campaigns, surveys, blacklist, errors):
        app.register_blueprint(module.bp)
