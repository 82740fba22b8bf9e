"""``flask seed``: the demo data from seeds/ into an empty database."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from dialer.extensions import db


@click.command("seed")
@with_appcontext
def seed_command() -> None:
    """Load the demo data from seeds/ into an empty database."""
    from dialer.seeding import SeedRefused, seed

    try:
        counts = seed(db.session, region=current_app.config["DIALER_DEFAULT_REGION"])
    except SeedRefused as refused:
        db.session.rollback()
        raise click.ClickException(str(refused)) from None
    db.session.commit()
    click.echo(f"seeded {counts['users']} users and {counts['leads']} leads")
