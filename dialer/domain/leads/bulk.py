"""The SQL of storing leads in bulk: PostgreSQL COPY in text format, SQLite executemany."""

from __future__ import annotations

import io
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

from dialer.models import Lead, LeadStatus

_LEADS = (
    "leads (campaign_id, import_id, line_no, phone, phone_raw, first_name, last_name, email, "
    "timezone, custom, status, attempts, created_at)"
)
_REJECTIONS = "lead_import_rejections (import_id, line_no, raw_value, reason, detail)"
_INSERT_LEADS = (
    "INSERT INTO leads (campaign_id, import_id, line_no, phone, phone_raw, first_name, "
    "last_name, email, timezone, custom, status, attempts, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (campaign_id, phone) DO NOTHING"
)
_INSERT_REJECTIONS = (
    "INSERT INTO lead_import_rejections (import_id, line_no, raw_value, reason, detail) "
    "VALUES (?, ?, ?, ?, ?)"
)
# Chosen so that it can appear in no value: NUL never survives the reader.
_GLUE = "\x00"
_COPY_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))


# ----------------------------------------------------------------- PostgreSQL


def copy_leads(
    connection: Connection,
    campaign_id: int,
    import_id: int,
    leads: pd.DataFrame,
    ids: np.ndarray | None,
    created_at: datetime,
) -> None:
    """COPY the leads; with ``ids`` (reserved in file order) they are stored under those ids."""
    if leads.empty:
        return
    constant_head = f"{campaign_id}\t{import_id}\t"
    constant_tail = f"\t{LeadStatus.NEW.value}\t0\t{created_at.isoformat()}"
    columns = [
        leads["line_no"].tolist(),
        leads["phone"].tolist(),
        _copy_text(leads["phone_raw"]),
        _copy_text(leads["first_name"]),
        _copy_text(leads["last_name"]),
        _copy_text(leads["email"]),
        leads["timezone"].fillna("\\N").tolist(),
        _copy_text(leads["custom"]),
    ]
    template = constant_head + "\t".join(["{}"] * len(columns)) + constant_tail
    target = _LEADS
    if ids is not None:
        template, target = "{}\t" + template, "leads (id, " + _LEADS.removeprefix("leads (")
        columns.insert(0, ids.tolist())
    _copy(connection, target, "\n".join(map(template.format, *columns)))


def _copy_text(values: pd.Series) -> list[str]:
    """Values escaped for COPY's text format, escaping the column in one go when it needs any."""
    texts = values.tolist()
    glued = _GLUE.join(texts)
    if not any(special in glued for special, _escaped in _COPY_ESCAPES):
        return texts
    for special, escaped in _COPY_ESCAPES:
        glued = glued.replace(special, escaped)
    return glued.split(_GLUE)


def _copy(connection: Connection, target: str, body: str) -> None:
    statement = "COPY " + target + " FROM STDIN"
    cursor = connection.connection.cursor()
    try:
        if hasattr(cursor, "copy"):  # psycopg 3, the default driver
            with cursor.copy(statement) as copy:
                copy.write(body + "\n")
        else:  # psycopg2, for a postgresql+psycopg2:// URL
            cursor.copy_expert(statement, io.StringIO(body + "\n"))
    finally:
        cursor.close()


# --------------------------------------------------------------------- SQLite


def insert_leads_sqlite(
    connection: Connection,
    campaign_id: int,
    import_id: int,
    leads: pd.DataFrame,
    created_at: datetime,
) -> set[int]:
    """Insert; return the lines another writer's leads took first (SQLite has no lock here)."""
    if leads.empty:
        return set()
    created = Lead.__table__.c.created_at.type.bind_processor(connection.dialect)(created_at)
    count = len(leads)
    rows = zip(
        [campaign_id] * count,
        [import_id] * count,
        leads["line_no"].tolist(),
        leads["phone"].tolist(),
        leads["phone_raw"].tolist(),
        leads["first_name"].tolist(),
        leads["last_name"].tolist(),
        leads["email"].tolist(),
        leads["timezone"].astype(object).where(leads["timezone"].notna(), None).tolist(),
        leads["custom"].tolist(),
        [LeadStatus.NEW.value] * count,
        [0] * count,
        [created] * count,
        strict=True,
    )
    cursor = connection.connection.cursor()
    try:
        cursor.executemany(_INSERT_LEADS, rows)
        inserted = cursor.rowcount
    finally:
        cursor.close()
    if inserted == count:
        return set()
    stored = connection.execute(
        text("SELECT line_no FROM leads WHERE import_id = :i"), {"i": import_id}
    ).scalars()
    return set(leads["line_no"].tolist()) - set(stored)


# ----------------------------------------------------------------- rejections


def insert_rejections(
    connection: Connection, import_id: int, rejections: pd.DataFrame, postgres: bool
) -> None:
    """Store the import's refused rows (COPY on PostgreSQL, one executemany on SQLite)."""
    if rejections.empty:
        return
    line_numbers = rejections["line_no"].astype("int64").tolist()
    raw_values = rejections["raw_value"].astype("str")
    reasons = rejections["reason"].astype("str").tolist()
    details = rejections["detail"].astype("str")
    if postgres:
        template = f"{import_id}\t{{}}\t{{}}\t{{}}\t{{}}"
        body = "\n".join(
            map(template.format, line_numbers, _copy_text(raw_values), reasons, _copy_text(details))
        )
        _copy(connection, _REJECTIONS, body)
        return
    rows = zip(
        [import_id] * len(reasons),
        line_numbers,
        raw_values.tolist(),
        reasons,
        details.tolist(),
        strict=True,
    )
    cursor = connection.connection.cursor()
    try:
        cursor.executemany(_INSERT_REJECTIONS, rows)
    finally:
        cursor.close()
