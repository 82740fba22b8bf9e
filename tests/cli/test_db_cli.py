"""`flask db ...`: the migration commands an operator runs once per release."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_flask_db_upgrade_builds_an_empty_database_and_names_its_head(tmp_path: Path) -> None:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.db'}",
        DIALER_INSTANCE_PATH=str(tmp_path / "instance"),
    )
    env.pop("DIALER_ENV", None)

    def flask(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "flask", "--app", "app", "db", *args]
        return subprocess.run(
            command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120, check=False
        )

    upgraded = flask("upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    heads = flask("heads")
    assert heads.returncode == 0, heads.stderr
    head = heads.stdout.split()[0]
    with sqlite3.connect(tmp_path / "fresh.db") as connection:
        (version,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert version == head
    assert {"users", "campaigns", "leads", "calls"} <= tables
