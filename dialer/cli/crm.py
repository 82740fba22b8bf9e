"""``flask crm``: configure the helpdesk and check it (secrets read from stdin, never echoed)."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from dialer.domain.crm import settings
from dialer.domain.crm.check import check_connection
from dialer.domain.crm.settings import HelpdeskInput
from dialer.domain.errors import DomainError
from dialer.extensions import db

crm = AppGroup("crm", help="Configure the helpdesk (Freshdesk, Zendesk, generic, built-in).")
configure = AppGroup("configure", help="Choose and configure the helpdesk.")
crm.add_command(configure)


def _secret_from_stdin(name: str) -> str:
    secret = sys.stdin.readline().strip()
    if not secret:
        raise click.ClickException(f"no {name} on standard input")
    return secret


def _save(data: HelpdeskInput) -> None:
    try:
        settings.configure(db.session, current_app.config["DIALER_CRM_KEY"], data)
    except DomainError as refused:
        db.session.rollback()
        raise click.ClickException(f"not saved: {refused}") from None
    db.session.commit()
    result = check_connection(db.session, current_app.config["DIALER_CRM_KEY"])
    click.echo(f"saved; {result.line()}")
    if not result.is_ok:
        sys.exit(1)


@configure.command("freshdesk")
@click.option("--url", required=True, help="e.g. https://acme.freshdesk.com")
@click.option("--api-key-stdin", is_flag=True, required=True, help="Read the API key from stdin.")
def configure_freshdesk(url: str, api_key_stdin: bool) -> None:
    """Use Freshdesk (API v2) with an agent's API key."""
    _save(HelpdeskInput("freshdesk", url=url, secret=_secret_from_stdin("API key")))


@configure.command("zendesk")
@click.option("--url", required=True, help="e.g. https://acme.zendesk.com")
@click.option("--email", required=True, help="The Zendesk user the API token belongs to.")
@click.option("--api-token-stdin", is_flag=True, required=True, help="Read the token from stdin.")
@click.option("--popup", type=click.Choice(["in-app", "browser"]), default="browser")
def configure_zendesk(url: str, email: str, api_token_stdin: bool, popup: str) -> None:
    """Use Zendesk (Support API; Talk Partner Edition for the in-app pop-up)."""
    token = _secret_from_stdin("API token")
    _save(HelpdeskInput("zendesk", url=url, email=email, secret=token, popup=popup))


@configure.command("generic")
@click.option("--contact-url", default="", help="e.g. https://crm.example.com/find?phone={number}")
@click.option("--call-url", default="", help="e.g. https://crm.example.com/log?call={call_uid}")
@click.option("--webhook-url", default="", help="Signed POSTs on call start, answer, end, survey.")
@click.option("--webhook-secret-stdin", is_flag=True, help="Read the webhook secret from stdin.")
def configure_generic(
    contact_url: str, call_url: str, webhook_url: str, webhook_secret_stdin: bool
) -> None:
    """Use another CRM through URL templates and signed webhooks."""
    secret = _secret_from_stdin("webhook secret") if webhook_secret_stdin else ""
    _save(
        HelpdeskInput(
            "generic",
            contact_url_template=contact_url,
            call_url_template=call_url,
            webhook_url=webhook_url,
            webhook_secret=secret,
        )
    )


@configure.command("builtin")
def configure_builtin() -> None:
    """Use the product's own contacts and XCM reports (the default); forgets stored secrets."""
    _save(HelpdeskInput("builtin"))


@crm.command("check")
def check_command() -> None:
    """One line: connected as whom, or what is wrong (bad key, unknown domain, timeout)."""
    result = check_connection(db.session, current_app.config["DIALER_CRM_KEY"])
    click.echo(result.line())
    if not result.is_ok:
        sys.exit(1)


def register(app: Flask) -> None:
    """Add ``flask crm`` to the app's commands."""
    app.cli.add_command(crm)
