"""``flask recordings purge``: delete recordings past the retention (run it daily, e.g. cron)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from dialer.domain.dialing.recordings import purge_recordings
from dialer.extensions import db
from dialer.models import utcnow

recordings = AppGroup("recordings", help="Call recordings.")


@recordings.command("purge")
@click.option("--days", type=int, default=None, help="Default: DIALER_RECORDING_RETENTION_DAYS.")
def purge_command(days: int | None) -> None:
    """Delete recordings older than N days; each call keeps that it had one."""
    config = current_app.config
    keep = config["DIALER_RECORDING_RETENTION_DAYS"] if days is None else days
    if keep <= 0:
        click.echo("retention is 0 days: recordings are kept for ever; nothing deleted")
        return
    count = purge_recordings(db.session, config["DIALER_RECORDINGS_DIR"], utcnow(), keep)
    db.session.commit()
    click.echo(f"deleted {count} recordings older than {keep} days")


def register(app: Flask) -> None:
    """Add ``flask recordings`` to the app's commands."""
    app.cli.add_command(recordings)
