"""Export and results-page figures on PostgreSQL: 1,000,000 survey responses with 5 questions.

Run as ``python -m bench.export_bench`` (or ``make bench``); ``--rows 200000`` for a quicker
run, ``--keep`` to keep the database (``dialer_bench_exports``, built by the migrations and
filled with INSERT ... SELECT generate_series) for the next run. It times:

* the survey-results CSV export through ``run_export`` (the code the page, job and CLI use),
  beside pandas writing the same frame (the export's rows read back) to CSV in the same run;
* the XLSX export (xlsxwriter, constant memory);
* the peak memory (max RSS) of a fresh process running each export;
* the results page 1 and page 500 (keyset) p50/p95, with EXPLAIN (ANALYZE, BUFFERS).

Goals (issue 10): CSV within 1.5x pandas, peak memory under 300 MB, pages p95 under 100 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
DATABASE = "dialer_bench_exports"
ROWS = 1_000_000
AGENTS = 50
ZONE = "Asia/Ho_Chi_Minh"
SAMPLES = 200
PAGE_GOAL_MS = 100.0
MEMORY_GOAL_MB = 300.0
PANDAS_RATIO_GOAL = 1.5


def _generate(rows: int) -> list[str]:
    # Every value spliced into this SQL is a constant of this module or the --rows integer.
    return [
        "SELECT setseed(0.10)",
        f"""INSERT INTO users (id, username, display_name, role, password_hash, is_active_user,
                              session_version, created_at)
            SELECT g, 'agent' || g, 'Nhân viên ' || g, 'agent', '!', true, 1, now()
            FROM generate_series(1, {AGENTS}) g""",  # noqa: S608
        "INSERT INTO surveys (id, name, description, version, is_current, created_at) "
        "VALUES (1, 'Hài lòng', '', 1, true, now())",
        """INSERT INTO survey_questions (id, survey_id, position, kind, text, options, is_required)
           VALUES (1, 1, 1, 'rating', 'Chất lượng (1-5)?', '[]', true),
                  (2, 1, 2, 'yes_no', 'Giới thiệu cho người quen?', '[]', true),
                  (3, 1, 3, 'multiple_choice', 'Kênh liên hệ?',
                   '["Tin nhắn", "Email", "Điện thoại"]', false),
                  (4, 1, 4, 'number', 'Số lần gọi tổng đài?', '[]', false),
                  (5, 1, 5, 'text', 'Góp ý', '[]', false)""",
        """INSERT INTO campaigns (id, name, description, status, caller_id, timezone, call_days,
                                  call_start, call_end, max_attempts, retry_minutes, dial_mode,
                                  survey_id, created_at, updated_at)
           VALUES (1, 'Khảo sát bench', '', 'running', '+842873001234', 'Asia/Ho_Chi_Minh',
                   '1234567', '08:00', '20:00', 3, '{}', 'preview', 1, now(), now())""",
        f"""INSERT INTO leads (id, campaign_id, phone, phone_raw, first_name, last_name, email,
                               custom, status, attempts, created_at)
            SELECT g, 1, '+8491' || lpad(g::text, 7, '0'), '091' || lpad(g::text, 7, '0'),
                   'Văn ' || g, 'Nguyễn', 'k' || g || '@example.vn',
                   jsonb_build_object('Gói', CASE WHEN g % 2 = 0 THEN 'Vàng' ELSE 'Bạc' END),
                   'done', 1, now()
            FROM generate_series(1, {rows}) g""",  # noqa: S608
        f"""INSERT INTO calls (id, call_uid, direction, campaign_id, lead_id, agent_id,
                               customer_number, state, status, created_at, answered_at, ended_at,
                               wait_s, talk_s, hangup_cause, hangup_cause_text, hung_up_by, is_vip)
            SELECT g, 'bench-' || g, 'outbound', 1, g, 1 + g % {AGENTS},
                   '+8491' || lpad(g::text, 7, '0'), 'ended', 'ANSWER', at,
                   at + interval '8 seconds', at + interval '2 minutes', 8, 112, 16,
                   'Normal Clearing', 'customer', false
            FROM (SELECT g, now() - interval '60 days' + (g::float8 / {rows}) * interval '60 days'
                  AS at FROM generate_series(1, {rows}) g) made""",  # noqa: S608
        """INSERT INTO survey_responses (id, survey_id, campaign_id, lead_id, call_id, agent_id,
                                         idempotency_key, created_at)
           SELECT id, 1, 1, lead_id, id, agent_id, 'bench-' || id, ended_at FROM calls""",
        """INSERT INTO survey_answers (response_id, question_id, value)
           SELECT r.id, q.q, CASE q.q
               WHEN 1 THEN to_jsonb(1 + r.id % 5)
               WHEN 2 THEN to_jsonb(r.id % 3 <> 0)
               WHEN 3 THEN '["Email", "Điện thoại"]'::jsonb
               WHEN 4 THEN to_jsonb(r.id % 7)
               ELSE to_jsonb(CASE WHEN r.id % 100 = 0 THEN '=HYPERLINK("x")'
                                  ELSE 'Nhân viên nhiệt tình, giải quyết nhanh' END) END
           FROM survey_responses r CROSS JOIN generate_series(1, 5) AS q(q)
           ORDER BY r.id, q.q""",  # as agents save them: a survey's answers together
        # Each response's copy of its answers, as saving a survey writes it.
        """UPDATE survey_responses r SET answer_cells = a.cells
           FROM (SELECT response_id, jsonb_object_agg(question_id::text, CASE
                     WHEN jsonb_typeof(value) = 'array' THEN to_jsonb(array_to_string(
                         ARRAY(SELECT jsonb_array_elements_text(value)), '; '))
                     ELSE value END) AS cells
                 FROM survey_answers GROUP BY response_id) a
           WHERE a.response_id = r.id""",
        "SELECT setval(pg_get_serial_sequence('survey_answers', 'id'), "
        "(SELECT max(id) FROM survey_answers))",
        "CREATE TABLE bench_built (responses bigint, built_at timestamptz)",
        f"INSERT INTO bench_built VALUES ({rows}, now())",  # noqa: S608
    ]


def main(argv: list[str] | None = None) -> int:
    """Build or reuse the data, time exports and pages, print figures; 1 if a goal is missed."""
    options = _options(argv)
    if options.export:  # the child process whose peak memory is measured
        return _export_once(options.url, options.export, Path(options.out))
    admin = sa.create_engine(options.admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect():
            pass
    except OperationalError:
        print(f"PostgreSQL not reachable at {options.admin_url}: export bench skipped.")
        return 0
    url = make_url(options.admin_url).set(database=DATABASE).render_as_string(hide_password=False)
    try:
        _ensure_data(admin, url, options.rows)
        missed = _measure_exports(url, options.rows) + _measure_pages(url)
    finally:
        if not options.keep:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        admin.dispose()
    print("goals: " + ("all met" if not missed else "MISSED: " + ", ".join(missed)))
    return 1 if missed else 0


def _options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--admin-url", default=ADMIN_URL, help="a PostgreSQL database to log in")
    parser.add_argument("--rows", type=int, default=ROWS, help="survey responses to generate")
    parser.add_argument("--keep", action="store_true", help="keep the database for the next run")
    parser.add_argument("--export", choices=["csv", "xlsx"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# ----------------------------------------------------------------------- data


def _ensure_data(admin: sa.Engine, url: str, rows: int) -> None:
    if _built_rows(url) == rows:
        print(f"reusing {DATABASE} ({rows:,} survey responses)")
        started = time.perf_counter()
        with _app(url).app_context():  # a database built before a migration gets it backfilled
            from flask_migrate import upgrade

            upgrade()
        print(f"migrations up to date in {time.perf_counter() - started:.1f} s")
        return
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{DATABASE}"'))
    with _app(url).app_context():
        from flask_migrate import upgrade

        upgrade()
    started = time.perf_counter()
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        for statement in _generate(rows):
            connection.execute(sa.text(statement))
    built = time.perf_counter() - started
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE"))
        size = connection.scalar(
            sa.text("SELECT pg_size_pretty(pg_database_size(current_database()))")
        )
    engine.dispose()
    print(
        f"built {rows:,} responses x 5 answers (+ leads, calls) in {built:.0f} s; database {size}"
    )


def _built_rows(url: str) -> int | None:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(sa.text("SELECT responses FROM bench_built"))
    except (OperationalError, sa.exc.ProgrammingError):
        return None
    finally:
        engine.dispose()


def _app(url: str) -> Any:
    from dialer import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "DIALER_TIMEZONE": ZONE, "TESTING": True})


# ------------------------------------------------------------------ exports


def _export_once(url: str, fmt: str, out: Path) -> int:
    """Run one survey export in this process and print its row count and seconds."""
    from zoneinfo import ZoneInfo

    from dialer.domain.exports.campaign import run_export
    from dialer.domain.reports.filters import Filters
    from dialer.extensions import db
    from dialer.models import Campaign

    with _app(url).app_context():
        campaign = db.session.get(Campaign, 1)
        started = time.perf_counter()
        rows = run_export(
            db.session, campaign, "survey", fmt, Filters(zone=ZoneInfo(ZONE)), out, actor_id=None
        )
        db.session.rollback()  # the bench leaves no audit entries behind
        print(f"{rows} {time.perf_counter() - started:.3f}")
    return 0


def _run_child(url: str, fmt: str, out: Path) -> tuple[int, float, float]:
    """Run one export in a fresh process; its rows, seconds and own peak RSS in MB."""
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.export_bench", "--export", fmt, "--url", url,
         "--out", str(out)],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip
    assert child.stdout is not None
    output = child.stdout.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise RuntimeError(f"the {fmt} export failed ({child.returncode})")
    rows, seconds = output.split()[-2:]
    return int(rows), float(seconds), usage.ru_maxrss / 1024


def _measure_exports(url: str, expected: int) -> list[str]:
    import pandas as pd

    missed = []
    with tempfile.TemporaryDirectory() as folder:
        csv_path, xlsx_path = Path(folder) / "survey.csv", Path(folder) / "survey.xlsx"
        rows, csv_s, csv_mb = _run_child(url, "csv", csv_path)
        xrows, xlsx_s, xlsx_mb = _run_child(url, "xlsx", xlsx_path)
        frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        started = time.perf_counter()
        frame.to_csv(Path(folder) / "pandas.csv", index=False, encoding="utf-8-sig")
        pandas_s = time.perf_counter() - started
        del frame
        ratio = csv_s / pandas_s
        print(f"\nsurvey export of {rows:,} rows ({expected:,} expected), 16 columns")
        print(f"  CSV  (database to file)       {csv_s:7.1f} s   peak RSS {csv_mb:6.0f} MB")
        print(f"  pandas to_csv of the frame    {pandas_s:7.1f} s   (ratio {ratio:.2f}x)")
        print(f"  XLSX (database to file)       {xlsx_s:7.1f} s   peak RSS {xlsx_mb:6.0f} MB")
        print(f"  files: CSV {csv_path.stat().st_size / 2**20:.0f} MB, "
              f"XLSX {xlsx_path.stat().st_size / 2**20:.0f} MB")  # fmt: skip
        if rows != expected or xrows != expected:
            missed.append("row count")
        if ratio > PANDAS_RATIO_GOAL:
            missed.append(f"CSV within {PANDAS_RATIO_GOAL}x pandas")
        if max(csv_mb, xlsx_mb) > MEMORY_GOAL_MB:
            missed.append(f"peak memory under {MEMORY_GOAL_MB:.0f} MB")
    return missed


# -------------------------------------------------------------------- pages


def _measure_pages(url: str) -> list[str]:
    from zoneinfo import ZoneInfo

    from dialer.domain.reports import paging, results
    from dialer.domain.reports.filters import Filters
    from dialer.extensions import db
    from dialer.models import Campaign

    app = _app(url)
    with app.app_context():
        campaign = db.session.get(Campaign, 1)
        filters = Filters(zone=ZoneInfo(ZONE))
        columns = results.question_columns(db.session, campaign)
        at, row_id = db.session.execute(
            sa.text(
                "SELECT created_at, id FROM survey_responses WHERE campaign_id = 1 "
                "ORDER BY created_at DESC, id DESC OFFSET :skip LIMIT 1"
            ),
            {"skip": 499 * paging.PAGE_SIZE - 1},
        ).one()
        cursor_500 = paging.Cursor(at, row_id)

        def page_1() -> None:
            results.results_page(db.session, campaign, filters, columns)

        def page_500() -> None:
            results.results_page(db.session, campaign, filters, columns, after=cursor_500)

        figures = [("results page 1", _time(page_1)), ("results page 500", _time(page_500))]
        print(f"\n{'what':<24} {'p50 ms':>8} {'p95 ms':>8}   (n={SAMPLES})")
        for name, (p50, p95) in figures:
            print(f"{name:<24} {p50:8.2f} {p95:8.2f}")
        _explain(lambda: page_500(), "results page 500")
    return [f"{name} p95 < {PAGE_GOAL_MS:.0f} ms" for name, (_, p95) in figures
            if p95 > PAGE_GOAL_MS]  # fmt: skip


def _time(call: Any) -> tuple[float, float]:
    from dialer.extensions import db

    for _ in range(10):
        call()
    samples = []
    for _ in range(SAMPLES):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
        db.session.rollback()
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * len(samples)) - 1]


def _explain(call: Any, title: str) -> None:
    from sqlalchemy import event

    from dialer.extensions import db

    seen: list[tuple[str, Any]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:  # noqa: ANN001
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    with db.engine.connect() as connection:
        for statement, parameters in seen:
            plan = connection.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters
            ).scalars()
            print(f"\nEXPLAIN {title}:\n  " + "\n  ".join(plan))


if __name__ == "__main__":
    sys.exit(main())
