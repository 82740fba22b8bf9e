"""``flask users create|list|deactivate|set-password``: people administration for scripts.

The first admin of a production install is made here (there is no seed in
production). Passwords come on standard input only, never as an argument a
process list or a shell history would show. Every refusal is one line on
standard error and exit status 1.
"""

from __future__ import annotations

import contextlib
import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from redis.exceptions import RedisError

from dialer import live
from dialer.domain.errors import DomainError
from dialer.domain.people import users
from dialer.extensions import db, redis_hub
from dialer.models import User, utcnow
from dialer.web.admin.messages import sentence

ROLE_CHOICE = click.Choice(list(users.ROLES), case_sensitive=False)


def _refused(error: DomainError) -> click.ClickException:
    db.session.rollback()
    # The sentences are the pages' (English by default): they need a request to pick a language.
    with current_app.test_request_context():
        return click.ClickException(sentence(error.code, error.params))


def _password_from_stdin() -> str:
    """The first line of standard input, without its line ending."""
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


@click.group("users")
def users_group() -> None:
    """People: agents, supervisors, managers and admins."""


@users_group.command("create")
@click.argument("agent_id")
@click.option("--role", required=True, type=ROLE_CHOICE, help="agent, supervisor, manager, admin.")
@click.option("--name", default="", help="Display name (default: the agent id).")
@click.option("--extension", default="", help="Default extension (made when new).")
@click.option("--queue", "queues", multiple=True, help="A queue to join (repeat for more).")
@click.option("--email", default="", help="How the helpdesk knows them (Zendesk's in-app pop-up).")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password from stdin.")
@click.option(
    "--must-change/--no-must-change",
    default=False,
    show_default=True,
    help="Ask for a new password at the first sign-in.",
)
@with_appcontext
def create_command(
    agent_id: str,
    role: str,
    name: str,
    extension: str,
    queues: tuple[str, ...],
    email: str,
    password_stdin: bool,
    must_change: bool,
) -> None:
    """Create a user AGENT_ID with the password read from standard input."""
    data = users.UserData(
        username=agent_id,
        display_name=name or agent_id,
        role=role.lower(),
        extension=extension,
        queues=queues,
        email=email,
    )
    try:
        user = users.create_user(
            db.session,
            data,
            _password_from_stdin(),
            actor_id=None,
            must_change_password=must_change,
        )
    except DomainError as error:
        raise _refused(error) from None
    db.session.commit()
    click.echo(f"created {user.role} {user.username}")


@users_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@with_appcontext
def list_command(as_json: bool) -> None:
    """Every user, by agent id."""
    found, _total = users.search_users(db.session, per_page=1_000_000)
    rows = [_row(user) for user in found]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        state = "active" if row["active"] else "deactivated"
        queues = ",".join(row["queues"]) or "-"
        click.echo(
            f"{row['agent_id']}\t{row['role']}\t{row['extension'] or '-'}\t{queues}\t{state}"
            f"\t{row['name']}"
        )


def _row(user: User) -> dict:
    return {
        "agent_id": user.username,
        "name": user.display_name,
        "role": user.role,
        "extension": user.default_extension.number if user.default_extension else None,
        "queues": users.queue_names_of(db.session, user.id),
        "active": user.is_active_user,
        "must_change_password": user.must_change_password,
    }


@users_group.command("deactivate")
@click.argument("agent_id")
@with_appcontext
def deactivate_command(agent_id: str) -> None:
    """Stop AGENT_ID signing in and sign them out now (their history stays)."""
    from dialer.jobs import membership as membership_jobs

    try:
        user = users.find_user(db.session, agent_id)
        done = users.deactivate_user(db.session, user.id, actor=None, now=utcnow())
    except DomainError as error:
        raise _refused(error) from None
    db.session.commit()
    with contextlib.suppress(RedisError):  # no screen to tell: the sign-out still holds
        live.publish_notices(redis_hub.client, done.notices)
    membership_jobs.enqueue_syncs(done.extensions)
    click.echo(f"deactivated {done.user.username}")


@users_group.command("set-password")
@click.argument("agent_id")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password from stdin.")
@click.option(
    "--must-change/--no-must-change",
    default=False,
    show_default=True,
    help="Ask for a new password at the next sign-in.",
)
@with_appcontext
def set_password_command(agent_id: str, password_stdin: bool, must_change: bool) -> None:
    """Set AGENT_ID's password from standard input (their other sessions end)."""
    try:
        user = users.find_user(db.session, agent_id)
        users.set_password(
            db.session,
            user.id,
            _password_from_stdin(),
            actor_id=None,
            must_change_password=must_change,
        )
    except DomainError as error:
        raise _refused(error) from None
    db.session.commit()
    click.echo(f"password set for {user.username}")


def register(app) -> None:  # noqa: ANN001
    """Add the ``users`` command group to the app."""
    app.cli.add_command(users_group)
