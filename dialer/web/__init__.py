"""The web layer: blueprints that parse input, call the domain, and render or redirect."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from dialer.web import admin, errors, headers, home, limits
    from dialer.web.admin import audit as _admin_audit  # noqa: F401 (routes of admin.bp)
    from dialer.web.admin import crm as crm_settings
    from dialer.web.admin import pbx as _admin_pbx  # noqa: F401
    from dialer.web.admin import users as _admin_users  # noqa: F401
    from dialer.web.agent import caller_view, desktop, history, recordings
    from dialer.web.api import after_call, events, openapi
    from dialer.web.api import agent as api_agent
    from dialer.web.api import crm as api_crm
    from dialer.web.api import dashboard as api_dashboard
    from dialer.web.api import inbound as api_inbound
    from dialer.web.api import progressive as api_progressive
    from dialer.web.api import results as api_results
    from dialer.web.auth import password, signin
    from dialer.web.manager import (
        agent_report,
        blacklist,
        campaigns,
        dashboard,
        dispositions,
        exports,
        leads,
        pause_reasons,
        results,
        surveys,
    )
    from dialer.web.manager import home as manager_home
    from dialer.web.supervisor import pacing, wallboard

    limits.init_app(app)  # the id converter must be in place before any route is added
    headers.init_app(app)
    for module in (
        signin,
        home,
        desktop,
        api_agent,
        after_call,
        api_inbound,
        api_crm,
        events,
        openapi,
        caller_view,
        history,
        recordings,
        wallboard,
        pacing,
        manager_home,
        campaigns,
        dispositions,
        surveys,
        blacklist,
        results,
        leads,
        exports,
        pause_reasons,
        admin,
        password,
        dashboard,
        api_dashboard,
        api_progressive,
        api_results,
        agent_report,
        crm_settings,
        errors,
    ):
        app.register_blueprint(module.bp)


def init_refusals(app: Flask) -> None:
    """One handler for every domain refusal, with the sentences of every audience."""
    from dialer.web import refusals
    from dialer.web.admin import messages as admin_messages
    from dialer.web.agent import caller_view
    from dialer.web.api import crm_messages
    from dialer.web.api import messages as agent_messages
    from dialer.web.manager import messages as manager_messages
    from dialer.web.manager import report_text

    refusals.init_app(
        app,
        agent_messages.REFUSALS,
        manager_messages.REFUSALS,
        admin_messages.REFUSALS,
        report_text.REFUSALS,
        crm_messages.REFUSALS,
        describers={
            **agent_messages.DESCRIBERS,
            **caller_view.DESCRIBERS,
            **manager_messages.DESCRIBERS,
        },
    )
