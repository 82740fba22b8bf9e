"""The agent report page and its CSV/XLSX export (M5): per agent and day, from what agents did."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from dialer.access import MANAGERS, SUPERVISORS, roles
from dialer.domain.contacts.history import local_day
from dialer.domain.errors import DomainError
from dialer.domain.exports.agent_report import export_format, write_agent_report
from dialer.domain.exports.writers import ExportFormat
from dialer.domain.reports import filters, periods
from dialer.domain.reports.agent_report import AgentDay, agent_report
from dialer.extensions import db
from dialer.models import utcnow
from dialer.timefmt import local_zone
from dialer.web import refusals

bp = Blueprint("agent_report", __name__, url_prefix="/reports/agents")
MIMETYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _chosen() -> tuple[date, date, int | None, list[AgentDay]]:
    zone = local_zone()
    first, last = periods.parse_range(
        request.args.get("from"), request.args.get("to"), local_day(zone, utcnow())
    )
    agent = request.args.get("agent", "")
    agent_id = filters.parse_filters(db.session, zone, agent=agent).agent_id
    rows = agent_report(db.session, first, last, zone, utcnow(), agent_id=agent_id)
    return first, last, agent_id, rows


@bp.get("/")
@roles(*SUPERVISORS)
def index() -> str:
    first, last, agent_id, rows = _chosen()
    db.session.rollback()  # read only
    return render_template(
        "agent_report/index.html",
        rows=rows,
        first=first,
        last=last,
        agent_id=agent_id,
        agents=filters.agent_choices(db.session),
    )


@bp.get("/export")
@roles(*MANAGERS)
def export() -> Response | WerkzeugResponse:
    try:
        fmt = export_format(request.args.get("format"))
        first, last, agent_id, rows = _chosen()
    except DomainError as error:
        # Back to the report, not to this URL: a bare export would download today's file.
        db.session.rollback()
        flash(refusals.describe(error)[1], "error")
        return redirect(url_for("agent_report.index"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"report.{fmt}"
        write_agent_report(
            db.session,
            rows,
            fmt,
            path,
            labels=export_labels(),
            zone=local_zone(),
            actor_id=current_user.id,
            period=(first, last),
            agent_id=agent_id,
        )
        body = path.read_bytes()
    db.session.commit()  # the audit entry
    name = f"agent-report-{first.isoformat()}-{last.isoformat()}.{fmt}"
    return Response(
        body,
        mimetype=MIMETYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def export_labels() -> dict[str, str]:
    """The export's column names in the reader's language."""
    return {
        "agent_id": _("Agent"),
        "name": _("Name"),
        "day": _("Date"),
        "first_login": _("First sign-in"),
        "last_logout": _("Last sign-out"),
        "signed_in_s": _("Signed in (s)"),
        "ready_s": _("Ready (s)"),
        "paused_s": _("Paused (s)"),
        "talk_s": _("Talk (s)"),
        "wait_s": _("Wait (s)"),
        "surveys": _("Surveys saved"),
        "paused_reason": _("Paused: %(reason)s (s)", reason="%s"),
        "outbound": _("Outbound %(status)s", status="%s"),
        "inbound": _("Inbound %(status)s", status="%s"),
    }
