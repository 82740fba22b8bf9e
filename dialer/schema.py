"""Database housekeeping at the edge: SQLite pragmas and the 'run flask db upgrade' check."""

from __future__ import annotations

import functools
import sqlite3
from typing import Any

from flask import Flask, current_app, render_template
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from dialer.extensions import db

SCHEMA_BEHIND = "The database is behind the code's migrations: run `flask --app app db upgrade`."


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers work while a writer writes; busy_timeout makes a second
    # writer wait instead of failing: the web app, workers and the listener share the file.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


class Migrations:
    """What Flask-Migrate keeps in ``app.extensions["migrate"]``, with alembic loaded on first use.

    ``flask_migrate.upgrade`` and ``migrations/env.py`` read ``db``, ``directory``,
    ``configure_args`` and ``migrate``; only the last needs alembic, so a web process
    or a worker that never migrates never loads it.
    """

    def __init__(self, database: Any, directory: str) -> None:
        self.db = database
        self.directory = directory
        self.configure_args: dict[str, Any] = {"compare_type": True, "render_as_batch": True}
        self._migrate: Any = None

    @property
    def metadata(self) -> Any:
        """The models' metadata (older Flask-Migrate env.py files read it here)."""
        return self.db.metadata

    @property
    def migrate(self) -> Any:
        """The Flask-Migrate object, made on first use."""
        if self._migrate is None:
            from flask_migrate import Migrate

            self._migrate = Migrate(db=self.db, directory=self.directory, **self.configure_args)
        return self._migrate


def init_migrations(app: Flask, directory: str) -> None:
    """Make ``flask_migrate.upgrade`` and ``flask db`` work on ``app`` without importing alembic."""
    app.extensions["migrate"] = Migrations(db, directory)


def head_revision(app: Flask) -> str | None:
    """The newest migration revision in the code (read once per process: it is the code's)."""
    return _head_of(app.extensions["migrate"].directory)


@functools.cache
def _head_of(directory: str) -> str | None:
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    alembic_config = AlembicConfig()
    alembic_config.set_main_option("script_location", directory)
    return ScriptDirectory.from_config(alembic_config).get_current_head()


def current_revision() -> str | None:
    """The revision the database is at (None for an empty database).

    Read on the session's own connection, not a second one from the pool: a request
    already holds one (its sign-in check), and a burst of first requests larger than
    the pool would otherwise each hold one and wait for another until they time out.
    """
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(db.session.connection()).get_current_revision()


def schema_problem(app: Flask) -> str | None:
    """A one-line message when the database cannot serve this code, else None."""
    try:
        current = current_revision()
    except OperationalError as exc:
        db.session.rollback()
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
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":  # only our engines, not every Engine in the process
                event.listen(engine, "connect", _sqlite_pragmas)
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
