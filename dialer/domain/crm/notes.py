"""The private note a linked call leaves on its ticket: who, when, how long, what was said."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.domain.contacts.xcm import report_for_call
from dialer.models import Call, SurveyAnswer, SurveyQuestion, SurveyResponse


@dataclass(frozen=True)
class NoteContext:
    """What the note needs from outside the database: where recordings are, which zone."""

    public_url: str  # e.g. https://dialer.example.com (no trailing slash)
    zone: str = "UTC"


def recording_url(call: Call, public_url: str) -> str:
    """The product's page that plays the call's recording to signed-in, allowed users."""
    return f"{public_url.rstrip('/')}/calls/{call.id}/recording"


def note_lines(session: Session, call: Call, context: NoteContext) -> list[tuple[str, str]]:
    """The note as (label, value) lines, in the order a reader wants them."""
    agent = call.agent.display_name if call.agent is not None else ""
    lines = [
        ("Direction", "Inbound" if call.direction == "inbound" else "Outbound"),
        ("Number", call.customer_number),
        ("Agent", f"{agent} ({call.agent.username})" if call.agent is not None else "-"),
        ("Time", _local(call.answered_at or call.created_at, context.zone)),
        ("Duration", _duration(call.talk_s)),
        ("Outcome", call.status or call.state),
    ]
    lines += _survey_lines(session, call.id)
    report = report_for_call(session, call.id)
    if report is not None:
        lines.append(("Note", f"[{report.category}] {report.note}"))
    if call.recording_ref:
        lines.append(("Recording", recording_url(call, context.public_url)))
    return lines


def note_html(lines: list[tuple[str, str]]) -> str:
    """The note as HTML (Freshdesk notes are HTML); every value escaped, links clickable."""
    rows = []
    for label, value in lines:
        shown = escape(value)
        if value.startswith(("https://", "http://")):
            shown = f'<a href="{escape(value, quote=True)}">{shown}</a>'
        rows.append(f"<b>{escape(label)}:</b> {shown}")
    return "<p>Call from the dialer</p><p>" + "<br>".join(rows) + "</p>"


def note_text(lines: list[tuple[str, str]]) -> str:
    """The note as plain text (Zendesk comments)."""
    return "Call from the dialer\n" + "\n".join(f"{label}: {value}" for label, value in lines)


def ticket_subject(call: Call) -> str:
    """The subject of a new ticket made for a call."""
    kind = "Inbound" if call.direction == "inbound" else "Outbound"
    return f"{kind} call with {call.customer_number}"


def _survey_lines(session: Session, call_id: int) -> list[tuple[str, str]]:
    rows = session.execute(
        select(SurveyQuestion.text, SurveyAnswer.value)
        .join(SurveyAnswer, SurveyAnswer.question_id == SurveyQuestion.id)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(SurveyResponse.call_id == call_id)
        .order_by(SurveyQuestion.position)
    ).all()
    return [(f"Q: {text}", _answer(value)) for text, value in rows]


def _answer(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _local(value: datetime | None, zone: str) -> str:
    if value is None:
        return "-"
    return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S %Z")


def _duration(seconds: int | None) -> str:
    minutes, secs = divmod(max(0, int(seconds or 0)), 60)
    return f"{minutes}:{secs:02d}"
