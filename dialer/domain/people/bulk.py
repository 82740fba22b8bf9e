"""Bulk creation of agents from a CSV or Excel file: agent id, name, extension, queues, role.

Each row is created whole or not at all (a savepoint per row); a refused row
is reported with its line and the reason, like the lead import's report. The
file is read by the lead import's reader (encodings, delimiters, Excel).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from dialer.domain import audit
from dialer.domain.errors import DomainError
from dialer.domain.leads.columns import header_key
from dialer.domain.leads.terms import FileLimits
from dialer.domain.people import users
from dialer.domain.people.passwords import check_new_password

# Folded header -> field (English and Vietnamese names).
COLUMNS = {
    "agentid": "username",
    "agent": "username",
    "username": "username",
    "id": "username",
    "manhanvien": "username",
    "name": "display_name",
    "fullname": "display_name",
    "displayname": "display_name",
    "ten": "display_name",
    "hoten": "display_name",
    "extension": "extension",
    "ext": "extension",
    "maynhanh": "extension",
    "queues": "queues",
    "queue": "queues",
    "hangdoi": "queues",
    "role": "role",
    "vaitro": "role",
    "email": "email",
    "mail": "email",
    "thudientu": "email",
}
NO_AGENT_ID_COLUMN = "no_agent_id_column"
MALFORMED_ROW = "malformed_row"
MAX_ROWS = 5_000


@dataclass(frozen=True)
class RefusedRow:
    line: int
    agent_id: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class BulkResult:
    created: list[str] = field(default_factory=list)
    refused: list[RefusedRow] = field(default_factory=list)


def _columns(headers: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for header in headers:
        name = COLUMNS.get(header_key(header))
        if name and name not in found:
            found[name] = header
    return found


def _split_queues(text: str) -> tuple[str, ...]:
    return tuple(q for q in re.split(r"[;,|\s]+", text.strip()) if q)


def create_from_file(
    session: Session,
    path: str | Path,
    password: str,
    *,
    actor_id: int | None,
) -> BulkResult:
    """Create a user per row, each with ``password`` to change at first sign-in."""
    check_new_password(password)
    result = BulkResult()
    # The file readers (pandas) load when a file is read, not with the web app.
    from dialer.domain.leads.files import open_lead_file

    with open_lead_file(path, FileLimits(max_rows=MAX_ROWS, max_columns=50)) as table:
        columns = _columns(table.headers)
        if "username" not in columns:
            raise users.UserError(
                NO_AGENT_ID_COLUMN,
                fields={"file": NO_AGENT_ID_COLUMN},
                headers=", ".join(table.headers),
            )
        for chunk in table.chunks():
            for bad in chunk.malformed:
                result.refused.append(RefusedRow(bad.line, bad.raw[:40], MALFORMED_ROW))
            records = chunk.frame.to_dict("records")
            for line, record in zip(chunk.lines, records, strict=True):
                _create_row(session, int(line), record, columns, password, actor_id, result)
    audit.record(
        session,
        "users_imported",
        actor_id=actor_id,
        created=len(result.created),
        refused=len(result.refused),
    )
    return result


def _create_row(
    session: Session,
    line: int,
    record: dict[str, object],
    columns: dict[str, str],
    password: str,
    actor_id: int | None,
    result: BulkResult,
) -> None:
    from dialer.domain.leads.leadfile import cell_text

    def value(name: str) -> str:
        return cell_text(record.get(columns[name], "")) if name in columns else ""

    agent_id = value("username").strip()
    data = users.UserData(
        username=agent_id,
        display_name=value("display_name") or agent_id,
        role=value("role") or "agent",
        extension=value("extension"),
        queues=_split_queues(value("queues")),
        email=value("email"),
    )
    savepoint = session.begin_nested()
    try:
        users.create_user(session, data, password, actor_id=actor_id, must_change_password=True)
    except DomainError as error:
        savepoint.rollback()
        result.refused.append(RefusedRow(line, agent_id, error.code, dict(error.params)))
        return
    savepoint.commit()
    result.created.append(agent_id)
