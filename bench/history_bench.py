"""History figures on PostgreSQL: an agent's history of today, and the phone history of a number.

Run as ``python -m bench.history_bench`` (or ``make bench``). It builds, in a
database of its own (``dialer_bench_history``, by the project's migrations),
5,000,000 call rows for 500 agents over the last 90 days, written in time
order as a live system writes them, with a Report XCM on one call in ten and a
few numbers that call very often. Then it times, through the domain functions
the pages use and through the JSON API in process:

* today's history of a random agent (totals and the first page of 10 rows),
* the phone history of a random number, and pages deep into a frequent caller,

and prints p50/p95/p99 with the EXPLAIN (ANALYZE, BUFFERS) plans. Goal (issue 6):
p95 <= 50 ms each. ``--keep`` keeps the database for the next run (built once).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
DATABASE = "dialer_bench_history"
CALLS = 5_000_000
AGENTS = 500
DAYS = 90
HEAVY_NUMBERS = 5  # callers with about 2,000 calls each
GOAL_MS = 50.0
SAMPLES = 400
ZONE = "Asia/Ho_Chi_Minh"

# Every value spliced into this SQL is one of the constants above, never input.
GENERATE = [
    "SELECT setseed(0.6)",
    f"""
    INSERT INTO users (id, username, display_name, role, password_hash, is_active_user,
                       session_version, created_at)
    SELECT g, 'bench' || g, 'Agent ' || g, 'agent', '!', true, 1, now()
    FROM generate_series(1, {AGENTS}) g
    """,  # noqa: S608
    "SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users))",
    f"""
    INSERT INTO calls (call_uid, direction, agent_id, customer_number, state, status,
                       created_at, ended_at, wait_s, talk_s, hangup_cause_text, is_vip, queue)
    SELECT 'bench-' || g, direction, 1 + floor(random() * {AGENTS})::int,
           CASE WHEN g % 500 = 0 THEN '+8490000000' || (g / 500) % {HEAVY_NUMBERS}
                ELSE '+8491' || lpad(floor(random() * 1000000)::int::text, 7, '0') END,
           'ended',
           CASE WHEN direction = 'outbound' THEN
                (ARRAY['ANSWER','ANSWER','NOANSWER','BUSY','FAIL','CANCEL'])
                     [1 + floor(random() * 6)::int]
                ELSE (ARRAY['COMPLETECALLER','COMPLETEAGENT','ABANDON','RINGNOANSWER','TRANSFER'])
                     [1 + floor(random() * 5)::int] END,
           at, at + interval '2 minutes', floor(random() * 60)::int, floor(random() * 300)::int,
           '', random() < 0.01, CASE WHEN direction = 'inbound' THEN 'support' END
    FROM (
        SELECT g, CASE WHEN g % 3 = 0 THEN 'inbound' ELSE 'outbound' END AS direction,
               now() - interval '{DAYS} days' + (g::float8 / {CALLS}) * interval '{DAYS} days' AS at
        FROM generate_series(1, {CALLS}) g
    ) AS made
    """,  # noqa: S608
    """
    INSERT INTO xcm_reports (call_id, agent_id, category, note, idempotency_key, created_at)
    SELECT id, agent_id, 'other', 'Khách hỏi về gói cước', 'bench-' || id, created_at
    FROM calls WHERE id % 10 = 0
    """,
    "CREATE TABLE bench_built (calls bigint, built_at timestamptz)",
    f"INSERT INTO bench_built VALUES ({CALLS}, now())",  # noqa: S608
]


def main(argv: list[str] | None = None) -> int:
    """Build or reuse the data, time both reads, print figures and plans; 1 if a goal is missed."""
    options = _options(argv)
    admin = sa.create_engine(options.admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect():
            pass
    except OperationalError:
        print(f"PostgreSQL not reachable at {options.admin_url}: history bench skipped.")
        return 0
    url = make_url(options.admin_url).set(database=DATABASE).render_as_string(hide_password=False)
    try:
        _ensure_data(admin, url)
        return _measure(url)
    finally:
        if not options.keep:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        admin.dispose()


def _options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--admin-url", default=ADMIN_URL, help="a PostgreSQL database to log in")
    parser.add_argument("--keep", action="store_true", help="keep the database for the next run")
    return parser.parse_args(argv)


# ----------------------------------------------------------------------- data


def _ensure_data(admin: sa.Engine, url: str) -> None:
    if _is_built(url):
        print(f"reusing {DATABASE} ({CALLS:,} calls)")
        return
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{DATABASE}"'))
    app = _app(url)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    started = time.perf_counter()
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        for statement in GENERATE:
            connection.execute(sa.text(statement))
    built = time.perf_counter() - started
    started = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE"))
        size = connection.scalar(
            sa.text("SELECT pg_size_pretty(pg_database_size(current_database()))")
        )
    engine.dispose()
    print(
        f"built {CALLS:,} calls for {AGENTS} agents over {DAYS} days in {built:.0f} s "
        f"(+ VACUUM ANALYZE {time.perf_counter() - started:.0f} s); database {size}"
    )


def _is_built(url: str) -> bool:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(sa.text("SELECT calls FROM bench_built")) == CALLS
    except (OperationalError, sa.exc.ProgrammingError):
        return False
    finally:
        engine.dispose()


def _app(url: str) -> Any:
    from dialer import create_app

    return create_app(
        {
            "DATABASE_URL": url,
            "SQLALCHEMY_DATABASE_URI": url,
            "DIALER_TIMEZONE": ZONE,
            "TESTING": True,
        }
    )


# ------------------------------------------------------------------- timing


def _measure(url: str) -> int:
    from zoneinfo import ZoneInfo

    from dialer.domain.contacts import history
    from dialer.extensions import db
    from dialer.models import utcnow

    app = _app(url)
    zone = ZoneInfo(ZONE)
    rng = random.Random(6)
    with app.app_context():
        today = history.local_day(zone, utcnow())
        numbers = list(
            db.session.scalars(
                sa.text("SELECT customer_number FROM calls TABLESAMPLE SYSTEM (0.1) LIMIT 2000")
            )
        )
        heavy = [f"+8490000000{i}" for i in range(HEAVY_NUMBERS)]

        def agent_today() -> None:
            history.agent_history(db.session, rng.randint(1, AGENTS), today, zone)

        def agent_yesterday_page_5() -> None:
            day = today - timedelta(days=1)  # a whole day: about 111 calls an agent
            history.agent_history(db.session, rng.randint(1, AGENTS), day, zone, page=5)

        def agent_today_inbound_page_2() -> None:
            agent = rng.randint(1, AGENTS)
            history.agent_history(db.session, agent, today, zone, tab=history.Tab.INBOUND, page=2)

        def number_history() -> None:
            history.phone_history(db.session, rng.choice(numbers))

        def frequent_caller_page_20() -> None:
            history.phone_history(db.session, rng.choice(heavy), page=20)

        rows = [
            ("today's history, 1st page (domain)", _time(agent_today)),
            ("today's history, inbound page 2 (domain)", _time(agent_today_inbound_page_2)),
            ("yesterday's whole day, page 5 (domain)", _time(agent_yesterday_page_5)),
            ("phone history of a number (domain)", _time(number_history)),
            ("phone history, frequent caller page 20", _time(frequent_caller_page_20)),
        ]
        rows += _time_api(app, rng, numbers)
        print(f"\n{'what':<44} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}   (n={SAMPLES})")
        for name, (p50, p95, p99) in rows:
            print(f"{name:<44} {p50:8.2f} {p95:8.2f} {p99:8.2f}")
        missed = [name for name, (_p50, p95, _p99) in rows if p95 > GOAL_MS]
        verdict = "met" if not missed else "MISSED: " + ", ".join(missed)
        print(f"goal p95 <= {GOAL_MS:.0f} ms: {verdict}")
        _explain(app, lambda: history.agent_history(db.session, 7, today, zone), "today's history")
        yesterday = today - timedelta(days=1)
        _explain(
            app,
            lambda: history.agent_history(db.session, 7, yesterday, zone, page=5),
            "yesterday's history, page 5",
        )
        _explain(app, lambda: history.phone_history(db.session, heavy[0], page=20), "phone history")
        _explain(app, lambda: history.phone_history(db.session, numbers[0]), "phone history (rare)")
    return 1 if missed else 0


def _time_api(app: Any, rng: random.Random, numbers: list[str]) -> list[tuple[str, tuple]]:
    """The same two reads through HTTP in process: the JSON endpoints the screens call."""
    from dialer.extensions import db
    from dialer.models import Role, User

    with app.app_context():
        boss = User(
            username="bench-boss", display_name="Boss", role=Role.MANAGER, password_hash="!"
        )
        db.session.add(boss)
        db.session.commit()
        cookie_id = boss.get_id()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = cookie_id
        session["_fresh"] = True
    quoted = [n.replace("+", "%2B") for n in numbers]

    def api_history() -> None:
        response = client.get(f"/api/history?agent_id={rng.randint(1, AGENTS)}")
        assert response.status_code == 200, response.status_code

    def api_phone() -> None:
        response = client.get(f"/api/contacts/by-number/{rng.choice(quoted)}/calls")
        assert response.status_code == 200, response.status_code

    try:
        return [
            ("GET /api/history (HTTP in process)", _time(api_history)),
            ("GET /api/contacts/by-number/N/calls (HTTP)", _time(api_phone)),
        ]
    finally:
        with app.app_context():
            db.session.execute(sa.text("DELETE FROM users WHERE username = 'bench-boss'"))
            db.session.commit()


def _time(work: Callable[[], None]) -> tuple[float, float, float]:
    for _ in range(20):  # warm the connection pool and the statement cache
        work()
    timings = []
    for _ in range(SAMPLES):
        started = time.perf_counter()
        work()
        timings.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def _explain(app: Any, work: Callable[[], None], title: str) -> None:
    """Run ``work`` once, catch its SQL, print each statement's EXPLAIN (ANALYZE, BUFFERS)."""
    from dialer.extensions import db

    caught: list[tuple[str, Any]] = []

    def catch(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            caught.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", catch)
    try:
        work()
    finally:
        event.remove(db.engine, "before_cursor_execute", catch)
    for statement, parameters in caught:
        print(f"\n--- EXPLAIN (ANALYZE, BUFFERS): {title}")
        cursor = db.session.connection().connection.cursor()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        print("\n".join(row[0] for row in cursor.fetchall()))
        cursor.close()


if __name__ == "__main__":
    sys.exit(main())
