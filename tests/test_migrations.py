"""The migrations build the schema on both databases and match the models exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from dialer import create_app
from dialer.extensions import db
from tests.backends import fresh_database

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def _script() -> ScriptDirectory:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def test_there_is_a_single_head() -> None:
    assert len(_script().get_heads()) == 1


@pytest.fixture
def fresh_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend):
    with fresh_database(tmp_path) as url:
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("REDIS_URL", backend.redis_url)
        monkeypatch.setenv("DIALER_INSTANCE_PATH", str(tmp_path))
        app = create_app({"TESTING": True})
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_downgrade_upgrade_round_trips(fresh_app) -> None:
    upgrade()
    built = _tables()
    assert {"users", "leads", "calls", "campaigns", "xcm_reports", "audit_log"} <= built
    downgrade(revision="base")
    assert _tables() == set()
    upgrade()
    assert _tables() == built


def test_models_and_migrations_do_not_differ(fresh_app) -> None:
    upgrade()
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        assert compare_metadata(context, db.metadata) == []


def test_a_database_behind_the_migrations_is_reported(fresh_app) -> None:
    response = fresh_app.test_client().get("/login")
    assert response.status_code == 503
    assert b"flask --app app db upgrade" in response.data
