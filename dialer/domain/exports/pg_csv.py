"""The survey-results CSV written by PostgreSQL itself (COPY ... TO STDOUT): the same file as
the row-by-row writer, at the speed of the database, memory flat.

A million rows built one Python object at a time cost tens of seconds; COPY streams the same
rows, formatted and neutralised in SQL, straight into the file. ``tests`` compare both paths.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from dialer.domain.exports.writers import Progress, neutralise
from dialer.domain.reports.filters import Filters

# Spliced into the SQL text below: constants, and column names from this module, never input.
# First characters' codes: = + - @ tab CR (ascii() is a number: no substring, no collation).
_FORMULA = "61, 43, 45, 64, 9, 13"


def is_available(session: Session) -> bool:
    """True on PostgreSQL (psycopg), where the database can write the CSV itself."""
    return session.get_bind().dialect.name == "postgresql"


def copy_survey_csv(
    session: Session,
    campaign_id: int,
    filters: Filters,
    question_ids: Sequence[Sequence[int]],
    custom: Sequence[str],
    header: Sequence[str],
    yes_no: tuple[str, str],
    path: Path,
    progress: Progress,
) -> int:
    """Write the header, then every completed survey newest first; the row count."""
    params: dict[str, Any] = {"campaign_id": campaign_id, "zone": filters.zone.key}
    params.update({"yes": yes_no[0], "no": yes_no[1]})
    sql = _survey_sql(filters, question_ids, custom, params)
    raw = session.connection().connection.driver_connection
    count = 0
    with path.open("wb") as handle:
        handle.write("\ufeff".encode())
        line = _header_line(header)
        handle.write(line.encode("utf-8"))
        with raw.cursor() as cursor:
            # JIT compiling this wide query costs seconds and saves nothing on a plain scan.
            cursor.execute("SET LOCAL jit = off")
            # Timestamps are written by their text cast: ISO whatever the server's default.
            cursor.execute("SET LOCAL DateStyle = 'ISO'")
            # The pivot streams the answers in response order (the unique index) into a
            # group aggregate, rather than a hash table spilling to disk; work_mem holds
            # the final sort of the rows by time.
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL enable_hashagg = off")
            with cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
                for block in copy:
                    handle.write(block)
                    count += bytes(block).count(b"\n")  # about the rows so far: for the bar
                    progress(count)
            count = cursor.rowcount
    progress(count)
    return count


def _header_line(header: Sequence[str]) -> str:
    from io import StringIO

    buffer = StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([neutralise(str(n)) for n in header])
    return buffer.getvalue()


def _safe(expr: str) -> str:
    """Text as the row-by-row writer leaves it: formula starts neutralised, '' as empty."""
    return (
        f"NULLIF(CASE WHEN ascii({expr}) IN ({_FORMULA}) AND NOT {_is_e164(expr)} "
        f"THEN '''' || {expr} ELSE {expr} END, '')"
    )


def _is_e164(expr: str) -> str:
    """SQL: ``expr`` matches ^\\+[1-9][0-9]{5,14}$, without a regex (several times cheaper)."""
    digits = f"substr({expr}, 2)"
    return (
        f"(ascii({expr}) = 43 AND length({expr}) BETWEEN 7 AND 16 "
        f"AND ascii({digits}) BETWEEN 49 AND 57 AND ltrim({digits}, '0123456789') = '')"
    )


def _local_time(column: str) -> str:
    """SQL: a UTC instant as local 'YYYY-MM-DD HH:MM:SS' text (the export sets DateStyle ISO)."""
    # Truncated like strftime; the text cast costs a third of to_char with a format.
    return f"date_trunc('second', {column} AT TIME ZONE %(zone)s)::text"


def _answer(value: str) -> str:
    """One answer as text: choices joined, yes/no in words, numbers as they are."""
    # A function scan yields the elements in array order; ARRAY() keeps it, no sort.
    joined = f"array_to_string(ARRAY(SELECT jsonb_array_elements_text({value})), '; ')"
    yes_no = f"(CASE WHEN {value} = 'true'::jsonb THEN %(yes)s ELSE %(no)s END)"
    return (
        f"CASE jsonb_typeof({value}) "
        f"WHEN 'boolean' THEN {yes_no} "
        f"WHEN 'array' THEN {joined} "
        f"WHEN 'string' THEN {_text_of(value)} "
        f"WHEN 'number' THEN {value}::text END"
    )


def _custom(index: int) -> str:
    """A custom lead field as the row-by-row writer writes it."""
    value = f"(l.custom -> %(custom_{index})s)"
    return (
        f"CASE jsonb_typeof({value}) "
        f"WHEN 'string' THEN {_safe(_text_of(value))} "
        f"WHEN 'boolean' THEN CASE WHEN {value} = 'true'::jsonb THEN '1' ELSE '0' END "
        f"WHEN 'null' THEN NULL ELSE {value}::text END"
    )


def _text_of(value: str) -> str:
    return f"({value} #>> '{{}}')"


def _survey_sql(
    filters: Filters,
    question_ids: Sequence[Sequence[int]],
    custom: Sequence[str],
    params: dict[str, Any],
) -> str:
    for index, name in enumerate(custom):
        params[f"custom_{index}"] = name
    pivots = []
    for index, ids in enumerate(question_ids):
        params[f"q_{index}"] = list(ids)
        pivots.append(f"max(CASE WHEN a.question_id = ANY(%(q_{index})s) THEN a.answer END)")
    answers = ", ".join(f"ans.q{index}" for index in range(len(question_ids)))
    pivot_columns = ", ".join(f"{pivot} AS q{i}" for i, pivot in enumerate(pivots)) or "1 AS q"
    where = ["r.campaign_id = %(campaign_id)s"]
    if filters.since is not None:
        where.append("r.created_at >= %(since)s")
        params["since"] = filters.since
    if filters.until is not None:
        where.append("r.created_at < %(until)s")
        params["until"] = filters.until
    if filters.agent_id is not None:
        where.append("r.agent_id = %(agent_id)s")
        params["agent_id"] = filters.agent_id
    if filters.status is not None:
        where.append("c.status = %(status)s")
        params["status"] = filters.status
    columns = [
        _local_time("r.created_at"),
        _local_time("c.created_at"),
        _safe("l.phone"),
        _safe("l.first_name"),
        _safe("l.last_name"),
        _safe("l.email"),
        *(_custom(index) for index in range(len(custom))),
        _safe("u.display_name"),
        _safe("u.username"),
        _safe("c.status"),
        "COALESCE(c.talk_s, 0)",
    ]
    select_list = ", ".join(columns) + (f", {answers}" if question_ids else "")
    condition = " AND ".join(where)
    # The answers are pivoted in one pass over the selected responses' answers, grouped by
    # response, then joined once: a per-response subquery costs a million index probes.
    # OFFSET 0 keeps each answer's text computed once (raw), then neutralised unless it is
    # a number; without it the planner copies the expression into every use of raw. The
    # ORDER BY tells the planner the fenced rows come in response order: no 1M-row sort.
    answer_rows = (
        "SELECT sa.response_id, sa.question_id, jsonb_typeof(sa.value) AS kind, "  # noqa: S608
        f"{_answer('sa.value')} AS raw FROM survey_answers sa "
        "JOIN survey_responses r ON r.id = sa.response_id "
        f"LEFT JOIN calls c ON c.id = r.call_id WHERE {condition} "
        "ORDER BY sa.response_id OFFSET 0"
    )
    pivot = (
        f"SELECT response_id, {pivot_columns} FROM (SELECT response_id, question_id, "  # noqa: S608
        f"CASE WHEN kind = 'number' THEN raw ELSE {_safe('raw')} END AS answer "
        f"FROM ({answer_rows}) x ORDER BY response_id OFFSET 0) a GROUP BY response_id"
    )
    return (
        f"SELECT {select_list} FROM survey_responses r "  # noqa: S608
        "LEFT JOIN calls c ON c.id = r.call_id "
        "LEFT JOIN leads l ON l.id = r.lead_id "
        "LEFT JOIN users u ON u.id = r.agent_id "
        f"LEFT JOIN ({pivot}) ans ON ans.response_id = r.id "
        f"WHERE {condition} ORDER BY r.created_at DESC, r.id DESC"
    )
