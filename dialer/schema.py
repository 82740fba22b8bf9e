"""Database housekeeping at the edge: SQLite pragmas and the 'run flask db upgrade' check."""

from __future__ import annotations

import sqlite3
from typing import Any

from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app, render_template
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from dialer.extensions import db

SCHEMA_BEHIND = "The database is behind the code's migrations: run `flask --app app db upgrade`."


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers work while a writer writes; busy_timeout makes a second
    # writer wait instead of failing: the web app, workers and the listener share the file.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def head_revision(app: Flask) -> str | None:
    """The newest migration revision in the code."""
    alembic_config = AlembicConfig()
    alembic_config.set_main_option("script_location", app.extensions["migrate"].directory)
    return ScriptDirectory.from_config(alembic_config).get_current_head()


def current_revision() -> str | None:
    """The revision the database is at (None for an empty database)."""
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def schema_problem(app: Flask) -> str | None:
    """A one-line message when the database cannot serve this code, else None."""
    try:
        current = current_revision()
    except OperationalError as exc:
        return f"cannot reach the database ({exc.orig}); check DATABASE_URL"
    if current != head_revision(app):
        return SCHEMA_BEHIND
    return _crm_key_problem(app)


def _crm_key_problem(app: Flask) -> str | None:
    """Stored helpdesk credentials with no key to read them: production must not start."""
    from dialer.domain.crm.settings import needs_key

    if app.config.get("DIALER_CRM_KEY") or not needs_key(db.session):
        return None
    return (
        "A helpdesk is configured but DIALER_CRM_KEY is not set:"
        " set it to the key the credentials were saved with."
    )


def init_app(app: Flask) -> None:
    state = {"checked": False}

    @app.before_request
    def _check_schema_once() -> Any:
        if state["checked"] or app.config.get("DIALER_SKIP_SCHEMA_CHECK"):
            return None
        problem = schema_problem(current_app._get_current_object())  # type: ignore[attr-defined]
        if problem is None:
            state["checked"] = True
            return None
        current_app.logger.error(problem)
        return render_template("errors/schema.html", message=problem), 503
