"""Lead import speed: a 1,000,000-row CSV end to end, beside the floor, on SQLite and PostgreSQL.

The import (read, normalise, dedupe against the file, the campaign and the
blacklist, insert with rejections) runs in a child process so its peak memory
is its own. The floor, in the same run on the same database, is pandas reading
the file plus the database's fastest bulk load of exactly the rows the import
stored, into the same leads table (same indexes and foreign keys): PostgreSQL
COPY, SQLite one transaction of executemany.

    python -m bench.leads_bench [--rows N] [--only sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from bench.gen_leads import generate

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"
GOAL_RATIO = 2.0
GOAL_PG_ROWS_PER_S = 50_000
GOAL_PEAK_MB = 500
_COLUMNS = ("campaign_id, line_no, phone, phone_raw, first_name, last_name, email, timezone, "
            "custom, status, attempts, created_at")  # fmt: skip
_SQLITE_INSERT = (
    "INSERT INTO leads (campaign_id, line_no, phone, phone_raw, first_name, last_name, email, "
    "timezone, custom, status, attempts, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def main() -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--child", nargs=3, metavar=("DATABASE_URL", "INSTANCE", "FILE"))
    args = parser.parse_args(sys.argv[1:] if __name__ == "__main__" else [])
    if args.child:
        print(json.dumps(_import_in_this_process(*args.child)))
        return 0
    with tempfile.TemporaryDirectory(prefix="leads-bench-") as folder:
        path = Path(folder) / "leads.csv"
        started = time.perf_counter()
        counts = generate(args.rows, path)
        print(
            f"generated {counts['rows']:,} rows ({counts['duplicates']:,} duplicates, "
            f"{counts['invalid']:,} invalid), {path.stat().st_size / 1e6:.0f} MB "
            f"in {time.perf_counter() - started:.1f} s"
        )
        for backend in ("sqlite", "postgresql"):
            if args.only and backend != args.only:
                continue
            with _database(backend, Path(folder)) as url:
                if url is None:
                    print(f"{backend}: skipped (no server on 127.0.0.1)")
                    continue
                _measure(backend, url, Path(folder), path)
    return 0


def _measure(backend: str, url: str, folder: Path, path: Path) -> None:
    instance = folder / f"instance-{backend}"
    _migrate(url, instance)
    child = subprocess.run(
        [sys.executable, "-m", "bench.leads_bench", "--child", url, str(instance), str(path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(child.stdout.strip().splitlines()[-1])
    floor_read, floor_load = _floor(url, instance, path, result["campaign_id"])
    floor = floor_read + floor_load
    rate = result["rows_read"] / result["seconds"]
    print(
        f"{backend}: import {result['seconds']:.2f} s = {rate:,.0f} rows/s "
        f"(imported {result['imported']:,}, rejected {result['rejected']:,}), "
        f"peak memory {result['peak_mb']:.0f} MB"
    )
    print(
        f"{backend}: floor {floor:.2f} s = pandas read {floor_read:.2f} s + "
        f"{'COPY' if backend == 'postgresql' else 'one-transaction executemany'} of the same "
        f"{result['imported']:,} rows {floor_load:.2f} s; "
        f"import / floor = {result['seconds'] / floor:.2f}"
    )
    goals = [
        (f"import within {GOAL_RATIO:g}x floor", result["seconds"] <= GOAL_RATIO * floor),
        (f"peak memory < {GOAL_PEAK_MB} MB", result["peak_mb"] < GOAL_PEAK_MB),
    ]
    if backend == "postgresql":
        goals.append((f">= {GOAL_PG_ROWS_PER_S:,} rows/s", rate >= GOAL_PG_ROWS_PER_S))
    print(f"{backend}: " + "; ".join(f"{g}: {'met' if ok else 'MISSED'}" for g, ok in goals))


def _app(url: str, instance: Path):
    os.environ["DIALER_INSTANCE_PATH"] = str(instance)
    os.environ["DATABASE_URL"] = url
    from dialer import create_app

    return create_app({"TESTING": True})


def _migrate(url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    app = _app(url, instance)
    with app.app_context():
        upgrade()
        from dialer.extensions import db

        db.engine.dispose()


def _import_in_this_process(url: str, instance: str, file: str) -> dict[str, Any]:
    """The child: one import, timed end to end, with this process's peak memory."""
    from dialer.domain.campaigns.lifecycle import create_campaign
    from dialer.domain.leads.imports import confirm_mapping, create_import, run_import
    from dialer.extensions import db
    from dialer.models import BlacklistNumber

    app = _app(url, Path(instance))
    with app.app_context():
        campaign = create_campaign(db.session, name="bench", caller_id="+842838123456")
        # A blacklist of realistic size to check every row against.
        db.session.add_all(
            BlacklistNumber(phone=f"+8490{n:07d}", phone_raw="") for n in range(0, 10_000_000, 1000)
        )
        db.session.commit()
        started = time.perf_counter()
        lead_import = create_import(db.session, campaign, file, "leads.csv")
        confirm_mapping(db.session, lead_import, lead_import.mapping)
        db.session.commit()
        done = run_import(db.session, lead_import.id)
        seconds = time.perf_counter() - started
        result = {
            "seconds": seconds,
            "rows_read": done.rows_read,
            "imported": done.imported,
            "rejected": done.rejected,
            "campaign_id": campaign.id,
            "peak_mb": _peak_rss_mb(),
        }
        db.engine.dispose()
    return result


def _peak_rss_mb() -> float:
    """This process's own peak (VmHWM): ru_maxrss would count the parent's pages across fork."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _floor(url: str, instance: Path, path: Path, campaign_id: int) -> tuple[float, float]:
    """pandas reading the file, and the fastest bulk load of the stored rows (timed apart)."""
    started = time.perf_counter()
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    read = time.perf_counter() - started
    del frame
    from sqlalchemy import text

    from dialer.extensions import db
    from dialer.models import Campaign

    app = _app(url, instance)
    with app.app_context():
        floor_campaign = Campaign(name="floor")
        db.session.add(floor_campaign)
        db.session.commit()
        rows = db.session.execute(
            text(
                "SELECT :floor, line_no, phone, phone_raw, first_name, last_name, "
                "email, timezone, custom, status, attempts, created_at FROM leads "
                "WHERE campaign_id = :c ORDER BY id"
            ),
            {"c": campaign_id, "floor": floor_campaign.id},
        ).all()
        connection = db.session.connection()
        if connection.dialect.name == "postgresql":
            body = _copy_body(rows)
            started = time.perf_counter()
            cursor = connection.connection.cursor()
            with cursor.copy("COPY leads (" + _COLUMNS + ") FROM STDIN") as copy:
                copy.write(body)
            db.session.commit()
        else:
            started = time.perf_counter()
            cursor = connection.connection.cursor()
            cursor.executemany(_SQLITE_INSERT, rows)
            db.session.commit()
        load = time.perf_counter() - started
        db.engine.dispose()
    return read, load


def _copy_body(rows: list[Any]) -> str:
    def text(value: object) -> str:
        if value is None:
            return "\\N"
        if isinstance(value, dict):
            value = json.dumps(value, ensure_ascii=False)
        return (
            str(value)
            .replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )

    return "".join("\t".join(text(v) for v in row) + "\n" for row in rows)


@contextmanager
def _database(backend: str, folder: Path):
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    admin_url = make_url(PG_ADMIN)
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"dialer_bench_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError:
        yield None
        return
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
