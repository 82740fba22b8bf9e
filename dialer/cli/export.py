"""``flask export survey|calls CAMPAIGN``: a campaign's results to CSV or XLSX, for scripts."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from dialer.domain.exports.campaign import ExportKind, count_rows, run_export
from dialer.domain.reports import filters as report_filters
from dialer.domain.reports.filters import ReportError
from dialer.extensions import db
from dialer.timefmt import local_zone

REFUSALS = {
    report_filters.BAD_DATE: "{value!r} is not a date: give it as YYYY-MM-DD",
    report_filters.DATES_BACKWARDS: "the date range is upside down: {date_from} is after {date_to}",
    report_filters.AGENT_UNKNOWN: "no agent with id or username {agent!r}",
    report_filters.STATUS_UNKNOWN: "{status!r} is not a call status (ANSWER, BUSY, NOANSWER, "
    "CANCEL, FAIL, MACHINE, COMPLETEAGENT, COMPLETECALLER, TRANSFER, ABANDON, RINGNOANSWER)",
    report_filters.CAMPAIGN_UNKNOWN: "no campaign with id or name {campaign!r}",
}


@click.group("export")
def export_group() -> None:
    """A campaign's survey results or call attempts, as CSV or XLSX."""


def _options(command):  # noqa: ANN001, ANN202
    options = [
        click.argument("campaign"),
        click.option(
            "--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True
        ),
        click.option(
            "-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path)
        ),
        click.option("--from", "date_from", metavar="YYYY-MM-DD", help="First day (local time)."),
        click.option("--to", "date_to", metavar="YYYY-MM-DD", help="Last day (local time)."),
        click.option("--agent", metavar="AGENT_ID", help="An agent's id or username."),
        click.option("--status", metavar="STATUS", help="A call outcome, e.g. ANSWER."),
        click.option("--json", "as_json", is_flag=True, help='Print {"rows": N, "file": "..."}.'),
        with_appcontext,
    ]
    for option in reversed(options):
        command = option(command)
    return command


@export_group.command("survey")
@_options
def survey_command(**options: object) -> None:
    """Every completed survey of CAMPAIGN (id or name), with its lead, call and answers."""
    _export(ExportKind.SURVEY, **options)  # type: ignore[arg-type]


@export_group.command("calls")
@_options
def calls_command(**options: object) -> None:
    """Every call attempt of CAMPAIGN (id or name), with outcome, cause, timings."""
    _export(ExportKind.CALLS, **options)  # type: ignore[arg-type]


def _export(
    kind: ExportKind,
    *,
    campaign: str,
    fmt: str,
    output: Path,
    date_from: str | None,
    date_to: str | None,
    agent: str | None,
    status: str | None,
    as_json: bool,
) -> None:
    try:
        target = report_filters.resolve_campaign(db.session, campaign)
        chosen = report_filters.parse_filters(
            db.session,
            local_zone(),
            date_from=date_from,
            date_to=date_to,
            agent=agent,
            status=status,
            region=current_app.config["DIALER_DEFAULT_REGION"],
        )
    except ReportError as error:
        raise click.ClickException(REFUSALS[error.code].format(**error.params)) from None
    path = output.resolve()
    if sys.stdout.isatty() and not as_json:
        total = count_rows(db.session, target, kind, chosen)
        with click.progressbar(length=max(total, 1), label=f"exporting {kind}") as bar:
            rows = run_export(
                db.session,
                target,
                kind,
                fmt,
                chosen,
                path,
                actor_id=None,
                progress=lambda count: bar.update(count - bar.pos),
                source="cli",
            )
    else:
        rows = run_export(db.session, target, kind, fmt, chosen, path, actor_id=None, source="cli")
    db.session.commit()
    if as_json:
        click.echo(json.dumps({"rows": rows, "file": str(path)}, ensure_ascii=False))
    else:
        click.echo(f"exported {rows} rows to {path}")


def register(app: Flask) -> None:
    """Add the ``export`` command group to the app."""
    app.cli.add_command(export_group)
