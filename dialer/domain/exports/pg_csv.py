"""The survey-results CSV written by PostgreSQL itself (COPY ... TO STDOUT): the same file as
the row-by-row writer, at the speed of the database, memory flat.

A million rows built one Python object at a time cost tens of seconds; COPY streams the same
rows, formatted and neutralised in SQL, straight into the file. ``tests`` compare both paths.
The answers come from each response's ``answer_cells`` (written with the survey), so the query
is a scan of the responses joined to their call, lead and agent, with no answer rows to pivot;
with nothing in it that must run in the leader, PostgreSQL may spread it over parallel workers.
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
            # work_mem holds the final sort of the rows by time in memory.
            cursor.execute("SET LOCAL work_mem = '64MB'")
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


def _answer_text(value: str) -> str:
    """One answer cell's text: yes/no in words, numbers and text as they are (choices are
    joined when the survey is saved)."""
    yes_no = f"(CASE WHEN {value} = 'true'::jsonb THEN %(yes)s ELSE %(no)s END)"
    return (
        f"CASE jsonb_typeof({value}) "
        f"WHEN 'boolean' THEN {yes_no} "
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
    status = ""
    if filters.status is not None:
        status = " WHERE c.status = %(status)s"
        params["status"] = filters.status
    # Each answer is read from the response's own copy of its answers (answer_cells, one
    # JSON object written with the survey): no join to a million answer rows, no grouping.
    # Two fenced steps (OFFSET 0) compute each cell's value, then its text, once a row;
    # inlined, the planner would repeat them in every use of the expression.
    found = []
    for index, ids in enumerate(question_ids):
        keys = []
        for position, question_id in enumerate(ids):
            params[f"q_{index}_{position}"] = str(question_id)
            keys.append(f"r.answer_cells -> %(q_{index}_{position})s")
        found.append(f"COALESCE({', '.join(keys)}, 'null'::jsonb) AS a{index}")
    picked = (
        "SELECT r.id, r.created_at, r.call_id, r.lead_id, r.agent_id"  # noqa: S608
        + "".join(f", {value}" for value in found)
        + f" FROM survey_responses r WHERE {' AND '.join(where)} OFFSET 0"
    )
    texts = "".join(
        f", jsonb_typeof(x.a{i}) AS k{i}, {_answer_text(f'x.a{i}')} AS t{i}"
        for i in range(len(question_ids))
    )
    cells = (
        f"SELECT x.id, x.created_at, x.call_id, x.lead_id, x.agent_id{texts} "  # noqa: S608
        f"FROM ({picked}) x OFFSET 0"
    )
    columns = [
        _local_time("y.created_at"),
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
        # Numbers are written as they are; every other answer is text, neutralised.
        *(
            f"CASE WHEN y.k{i} = 'number' THEN y.t{i} ELSE {_safe(f'y.t{i}')} END"
            for i in range(len(question_ids))
        ),
    ]
    return (
        f"SELECT {', '.join(columns)} FROM ({cells}) y "  # noqa: S608
        "LEFT JOIN calls c ON c.id = y.call_id "
        "LEFT JOIN leads l ON l.id = y.lead_id "
        "LEFT JOIN users u ON u.id = y.agent_id"
        f"{status} ORDER BY y.created_at DESC, y.id DESC"
    )
