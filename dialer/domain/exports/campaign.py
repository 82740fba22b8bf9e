"""A campaign's two exports, survey results and call attempts, each written to the audit log."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from dialer.domain import audit
from dialer.domain.exports.writers import Cell, ExportFormat, Progress, write_rows
from dialer.domain.reports import calls, results
from dialer.domain.reports.filters import Filters
from dialer.models import Campaign

# Under this many rows an export is written while the manager waits; above, by a worker.
SMALL_EXPORT_ROWS = 5000


class ExportKind(enum.StrEnum):
    SURVEY = "survey"
    CALLS = "calls"


SURVEY_LABELS = {
    "saved_at": "Survey saved",
    "call_at": "Call time",
    "phone": "Phone",
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "agent": "Agent",
    "agent_id": "Agent id",
    "status": "Outcome",
    "talk_s": "Talk time (s)",
    "yes": "yes",
    "no": "no",
}
CALLS_LABELS = {
    "call_id": "Call id",
    "created_at": "Started",
    "direction": "Direction",
    "phone": "Phone",
    "lead": "Lead",
    "agent": "Agent",
    "agent_id": "Agent id",
    "status": "Outcome",
    "hangup_cause": "Hangup cause",
    "hangup_cause_text": "Hangup cause text",
    "hung_up_by": "Hung up by",
    "ringing_at": "Ringing at",
    "answered_at": "Answered at",
    "ended_at": "Ended at",
    "wait_s": "Wait (s)",
    "talk_s": "Talk (s)",
    "has_survey": "Survey saved",
    "has_xcm": "Report XCM",
    "yes": "yes",
    "no": "no",
}


def count_rows(session: Session, campaign: Campaign, kind: str, filters: Filters) -> int:
    """How many rows the export would have."""
    if ExportKind(kind) is ExportKind.SURVEY:
        return results.count_results(session, campaign, filters)
    return calls.count_calls(session, campaign, filters)


def export_table(
    session: Session,
    campaign: Campaign,
    kind: str,
    filters: Filters,
    labels: Mapping[str, str] | None = None,
) -> tuple[list[str], Iterator[Sequence[Cell]]]:
    """The header and a stream of rows of one export, times in the filters' zone."""
    if ExportKind(kind) is ExportKind.SURVEY:
        return _survey_table(session, campaign, filters, {**SURVEY_LABELS, **(labels or {})})
    return _calls_table(session, campaign, filters, {**CALLS_LABELS, **(labels or {})})


def run_export(
    session: Session,
    campaign: Campaign,
    kind: str,
    fmt: str,
    filters: Filters,
    path: Path,
    *,
    actor_id: int | None,
    labels: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    source: str = "web",
) -> int:
    """Write the export to ``path`` and add its audit entry (the caller commits); the rows."""
    header, rows = export_table(session, campaign, kind, filters, labels)
    count = write_rows(ExportFormat(fmt), header, rows, path, progress)
    audit.record(
        session,
        "export",
        actor_id=actor_id,
        target=campaign,
        kind=str(kind),
        format=str(fmt),
        filters=filters.as_dict(),
        rows=count,
        file=path.name,
        source=source,
    )
    return count


def file_name(campaign: Campaign, kind: str, fmt: str, now: datetime) -> str:
    """A download name that says what the file holds and when it was made."""
    safe = "".join(ch if ch.isalnum() else "-" for ch in campaign.name.lower()).strip("-")
    return f"{safe or 'campaign'}-{kind}-{now:%Y%m%d-%H%M%S}.{fmt}"


def _survey_table(
    session: Session, campaign: Campaign, filters: Filters, labels: Mapping[str, str]
) -> tuple[list[str], Iterator[Sequence[Cell]]]:
    columns = results.question_columns(session, campaign)
    custom = results.custom_fields(session, campaign)
    fixed = ["saved_at", "call_at", "phone", "first_name", "last_name", "email"]
    after = ["agent", "agent_id", "status", "talk_s"]
    header = (
        [labels[key] for key in fixed]
        + custom
        + [labels[key] for key in after]
        + [column.text for column in columns]
    )
    zone = filters.zone
    yes_no = (labels["yes"], labels["no"])

    def rows() -> Iterator[Sequence[Cell]]:
        for row in results.result_rows(session, campaign, filters, columns, yes_no=yes_no):
            yield [
                _local(row.saved_at, zone),
                _local(row.call_at, zone),
                row.phone,
                row.first_name,
                row.last_name,
                row.email,
                *(_plain(row.custom.get(name)) for name in custom),
                row.agent_name,
                row.agent_username,
                row.status,
                row.talk_s,
                *row.answers,
            ]

    return header, rows()


def _calls_table(
    session: Session, campaign: Campaign, filters: Filters, labels: Mapping[str, str]
) -> tuple[list[str], Iterator[Sequence[Cell]]]:
    keys = [k for k in CALLS_LABELS if k not in ("yes", "no")]
    header = [labels[key] for key in keys]
    zone = filters.zone
    yes, no = labels["yes"], labels["no"]

    def rows() -> Iterator[Sequence[Cell]]:
        for row in calls.call_rows(session, campaign, filters):
            yield [
                row.call_id,
                _local(row.created_at, zone),
                row.direction,
                row.phone,
                row.lead_name,
                row.agent_name,
                row.agent_username,
                row.status,
                row.hangup_cause,
                row.hangup_cause_text,
                row.hung_up_by,
                _local(row.ringing_at, zone),
                _local(row.answered_at, zone),
                _local(row.ended_at, zone),
                row.wait_s,
                row.talk_s,
                yes if row.has_survey else no,
                yes if row.has_xcm else no,
            ]

    return header, rows()


def _local(value: datetime | None, zone: Any) -> datetime | None:
    # Spreadsheets have no time zones: the local wall-clock time of the deployment.
    return value.astimezone(zone).replace(tzinfo=None) if value is not None else None


def _plain(value: Any) -> Cell:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
