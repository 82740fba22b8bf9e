"""dialer: an outbound campaign dialer and survey server beside an Asterisk PBX."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, commands. Starts no thread or connection."""
    from dialer import access, i18n, schema, timefmt, web
    from dialer.cli import register_commands
    from dialer.config import instance_path, load_config
    from dialer.domain.reports import counters
    from dialer.extensions import csrf, db, login_manager, redis_hub

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    app = Flask(
        __name__,
        instance_path=instance_path(os.environ, os.path.join(root, "instance")),
        template_folder=os.path.join(root, "templates"),
        static_folder=os.path.join(root, "static"),
    )
    app.config.update(load_config(os.environ, app.instance_path))
    app.config.update(overrides or {})
    _derive_flask_settings(app, overrides or {})

    db.init_app(app)
    counters.install()  # every session keeps the campaigns' running totals
    schema.init_migrations(app, os.path.join(root, "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    redis_hub.init_app(app)
    i18n.init_app(app)
    timefmt.init_app(app)
    access.init_app(app)
    schema.init_app(app)
    web.register_blueprints(app)
    web.init_refusals(app)
    register_commands(app)
    return app


def _derive_flask_settings(app: Flask, overrides: Mapping[str, Any]) -> None:
    """Flask's own setting names, from ours (Flask defines these keys, so set them, not
    setdefault); a value given in ``overrides`` wins."""
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", app.config["DATABASE_URL"])
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    secure = app.config["DIALER_SESSION_COOKIE_SECURE"]
    derived = {
        # Every body but an upload's (see dialer.web.limits) is small.
        "MAX_CONTENT_LENGTH": app.config["DIALER_MAX_BODY_KB"] * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
    }
    for name, value in derived.items():
        if name not in overrides:
            app.config[name] = value
    app.config.setdefault("REMEMBER_COOKIE_DURATION", 0)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
