"""The agent report as a CSV or XLSX file (M5): one row per agent and day, durations in seconds."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from dialer.domain import audit
from dialer.domain.exports.writers import Cell, ExportFormat, write_rows
from dialer.domain.reports.agent_report import AgentDay, report_columns
from dialer.domain.reports.filters import ReportError

FORMAT_UNKNOWN = "report_export_format_unknown"

# The fixed columns, in order; the edge gives each its label in the reader's language.
FIXED_COLUMNS = (
    "agent_id",
    "name",
    "day",
    "first_login",
    "last_logout",
    "signed_in_s",
    "ready_s",
    "paused_s",
    "talk_s",
    "wait_s",
    "surveys",
)


def export_format(text: str | None) -> ExportFormat:
    """The file format asked for (csv when blank); ReportError naming anything else."""
    try:
        return ExportFormat((text or "csv").strip().lower())
    except ValueError:
        raise ReportError(FORMAT_UNKNOWN, format=(text or "")[:20]) from None


def header(rows: Sequence[AgentDay], labels: Mapping[str, str]) -> list[str]:
    """The header row: fixed columns, then one per pause reason, outbound and inbound status.

    ``labels`` holds a label per fixed column plus ``paused_reason``, ``outbound`` and
    ``inbound`` patterns with one ``%s`` for the reason or status.
    """
    extra = report_columns(list(rows))
    return [
        *(labels[name] for name in FIXED_COLUMNS),
        *(labels["paused_reason"] % reason for reason in extra["reasons"]),
        *(labels["outbound"] % status for status in extra["outbound"]),
        *(labels["inbound"] % status for status in extra["inbound"]),
    ]


def cells(rows: Sequence[AgentDay], zone: ZoneInfo) -> Iterator[list[Cell]]:
    """Each row's cells, in the header's order; times local to ``zone``."""
    extra = report_columns(list(rows))
    for row in rows:
        yield [
            row.agent_id,
            row.name,
            row.day,
            _local(row.first_login, zone),
            _local(row.last_logout, zone),
            row.signed_in_s,
            row.ready_s,
            row.paused_s,
            row.talk_s,
            row.wait_s,
            row.surveys,
            *(row.paused_by_reason.get(reason, 0) for reason in extra["reasons"]),
            *(row.outbound.get(status, 0) for status in extra["outbound"]),
            *(row.inbound.get(status, 0) for status in extra["inbound"]),
        ]


def write_agent_report(
    session: Session,
    rows: Sequence[AgentDay],
    fmt: ExportFormat,
    path: Path,
    *,
    labels: Mapping[str, str],
    zone: ZoneInfo,
    actor_id: int,
    period: tuple[date, date],
    agent_id: int | None,
) -> int:
    """Write the report to ``path`` (safe in Excel) and note the export in the audit log."""
    count = write_rows(str(fmt), header(rows, labels), cells(rows, zone), path)
    audit.record(
        session,
        "export",
        actor_id=actor_id,
        kind="agent_report",
        format=str(fmt),
        filters={"from": period[0].isoformat(), "to": period[1].isoformat(), "agent_id": agent_id},
        rows=count,
    )
    return count


def _local(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    return value.astimezone(zone) if value is not None else None
