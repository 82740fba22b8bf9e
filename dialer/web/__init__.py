"""The web layer: blueprints that parse input, call the domain, and render or redirect."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from dialer.web import errors, home
    from dialer.web.agent import caller_view, desktop, history
    from dialer.web.api import after_call, events, openapi
    from dialer.web.api import agent as api_agent
    from dialer.web.api import inbound as api_inbound
    from dialer.web.auth import signin
    from dialer.web.manager import blacklist, campaigns, dispositions, surveys
    from dialer.web.manager import home as manager_home
    from dialer.web.supervisor import wallboard

    for module in (
        signin,
        home,
        desktop,
        api_agent,
        after_call,
        api_inbound,
        events,
        openapi,
        caller_view,
        history,
        wallboard,
        manager_home,
        campaigns,
        dispositions,
        surveys,
        blacklist,
        errors,
    ):
        app.register_blueprint(module.bp)


def init_refusals(app: Flask) -> None:
    """One handler for every domain refusal, with the sentences of every audience."""
    from dialer.web import refusals
    from dialer.web.api.messages import REFUSALS as agent_refusals

    refusals.init_app(app, agent_refusals)
