"""``flask leads import``, ``flask campaigns create|list|recount``: the pages' code, for scripts."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from dialer.domain.campaigns.lifecycle import (
    CampaignError,
    campaign_rows,
    create_campaign,
    find_campaign,
)
from dialer.domain.leads.columns import MappingError, parse_map_options
from dialer.domain.leads.imports import confirm_mapping, create_import, run_import
from dialer.domain.leads.rejections import rejection_counts, write_rejection_report
from dialer.domain.leads.terms import Detected, UnreadableFile
from dialer.domain.reports import counters
from dialer.extensions import db
from dialer.models import Campaign, DialMode, ImportStatus, LeadImport


@click.group("leads")
def leads_group() -> None:
    """Lead lists."""


@leads_group.command("import")
@click.argument("campaign")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="COLUMN=FIELD",
    help="Map a column (phone, first_name, last_name, full_name, email, timezone, custom, ignore).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@with_appcontext
def import_command(campaign: str, file: Path, maps: tuple[str, ...], as_json: bool) -> None:
    """Import FILE into CAMPAIGN (id or name) in the foreground, with a progress bar."""
    target = find_campaign(db.session, campaign)
    if target is None:
        raise click.ClickException(f"no campaign with id or name {campaign!r}")
    try:
        lead_import = create_import(db.session, target, file.resolve(), file.name)
        mapping = dict(lead_import.mapping)
        mapping.update(parse_map_options(maps))
        confirm_mapping(db.session, lead_import, mapping)
    except UnreadableFile as error:
        db.session.rollback()
        raise click.ClickException(f"{file}: {error}") from None
    except MappingError as error:
        db.session.rollback()
        raise click.ClickException(_mapping_message(error)) from None
    db.session.commit()
    lead_import = _run_with_bar(lead_import)
    if lead_import.status == ImportStatus.FAILED:
        raise click.ClickException(f"{file}: {lead_import.error}")
    report = _write_report(lead_import)
    _print_summary(lead_import, report, as_json)


def _run_with_bar(lead_import: LeadImport) -> LeadImport:
    with click.progressbar(
        length=100, label="importing", file=sys.stderr, show_percent=True
    ) as bar:

        def advance(progress) -> None:
            bar.update(progress.percent - bar.pos)

        return run_import(
            db.session,
            lead_import.id,
            region=current_app.config["DIALER_DEFAULT_REGION"],
            on_progress=advance,
        )


def _write_report(lead_import: LeadImport) -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"import-{lead_import.id}-rejections.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        write_rejection_report(db.session, lead_import.id, handle)
    return path


def _print_summary(lead_import: LeadImport, report: Path, as_json: bool) -> None:
    detected = Detected(
        "xlsx" if lead_import.sheet else "csv",
        lead_import.encoding,
        lead_import.delimiter,
        lead_import.sheet,
    )
    encoding = "xlsx" if detected.kind == "xlsx" else detected.encoding_label
    delimiter = "none" if detected.kind == "xlsx" else detected.delimiter_label
    if as_json:
        summary = {
            "import_id": lead_import.id,
            "campaign_id": lead_import.campaign_id,
            "status": lead_import.status,
            "rows_read": lead_import.rows_read,
            "imported": lead_import.imported,
            "rejected": lead_import.rejected,
            "rejected_by_reason": rejection_counts(db.session, lead_import.id),
            "encoding": encoding,
            "delimiter": delimiter,
            "sheet": lead_import.sheet,
            "rejection_report": str(report),
        }
        click.echo(json.dumps(summary, ensure_ascii=False))
        return
    sheet = f", sheet {lead_import.sheet}" if lead_import.sheet else ""
    click.echo(
        f"imported {lead_import.imported}, rejected {lead_import.rejected}, "
        f"file encoding {encoding}, delimiter {delimiter}{sheet}"
    )
    click.echo(f"rejection report: {report}")


def _mapping_message(error: MappingError) -> str:
    messages = {
        "no_phone": "no column is mapped to phone; use --map COLUMN=phone",
        "field_twice": f"two columns are mapped to {error.field}",
        "unknown_column": f"the file has no column {error.field!r}",
        "unknown_field": f"{error.field!r} is not a lead field",
        "bad_option": f"--map {error.field!r} is not COLUMN=FIELD",
    }
    return messages.get(error.code, str(error))


@click.group("campaigns")
def campaigns_group() -> None:
    """Outbound campaigns."""


@campaigns_group.command("create")
@click.argument("name")
@click.option("--caller-id", required=True, help="The number customers see, e.g. +842838123456.")
@click.option("--survey", "survey_id", type=int, help="The survey agents fill in.")
@click.option(
    "--dial-mode",
    default=DialMode.PREVIEW.value,
    show_default=True,
    help="preview, progressive or predictive.",
)
@click.option(
    "--record-calls/--no-record-calls",
    default=True,
    show_default=True,
    help="Record its answered calls.",
)
@with_appcontext
def create_command(
    name: str, caller_id: str, survey_id: int | None, dial_mode: str, record_calls: bool
) -> None:
    """Create a draft campaign."""
    try:
        campaign = create_campaign(
            db.session,
            name=name,
            caller_id=caller_id,
            survey_id=survey_id,
            region=current_app.config["DIALER_DEFAULT_REGION"],
            timezone=current_app.config["DIALER_TIMEZONE"],
            dial_mode=dial_mode,
            record_calls=record_calls,
        )
    except CampaignError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    recorded = "recorded" if campaign.record_calls else "not recorded"
    click.echo(
        f"created campaign {campaign.id}: {campaign.name} (caller id {campaign.caller_id}, "
        f"{campaign.dial_mode}, calls {recorded})"
    )


@campaigns_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object a line.")
@with_appcontext
def list_command(as_json: bool) -> None:
    """Every campaign with its status and leads."""
    rows = campaign_rows(db.session)
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    click.echo(f"{'id':>4}  {'status':<8}  {'mode':<11}  {'leads':>7}  {'caller id':<14}  name")
    for row in rows:
        click.echo(
            f"{row['id']:>4}  {row['status']:<8}  {row['dial_mode']:<11}  {row['leads']:>7}  "
            f"{row['caller_id'] or '-':<14}  {row['name']}"
        )


@campaigns_group.command("recount")
@click.argument("campaign_ids", metavar="[CAMPAIGN_ID]...", nargs=-1, type=int)
@with_appcontext
def recount_command(campaign_ids: tuple[int, ...]) -> None:
    """Rebuild the campaigns' running totals (all campaigns when none is named) from their rows."""
    unknown = sorted(set(campaign_ids) - set(db.session.scalars(select(Campaign.id))))
    if unknown:
        raise click.ClickException(f"no campaign {', '.join(map(str, unknown))}")
    started = time.perf_counter()
    written = counters.recount(db.session, campaign_ids or None)
    db.session.commit()
    which = ", ".join(map(str, campaign_ids)) if campaign_ids else "every campaign"
    click.echo(f"recounted {which}: {written} totals in {time.perf_counter() - started:.1f} s")


def register(app) -> None:
    """Add the ``leads`` and ``campaigns`` command groups to the app."""
    for group in (leads_group, campaigns_group):
        app.cli.add_command(group)
