"""The ``flask`` commands: demo, worker, seed (and the telephony and lead commands)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from dialer.extensions import QUEUE_NAMES, db, redis_hub


def register_commands(app: Flask) -> None:
    from dialer.cli import crm as crm_cli
    from dialer.cli import leads as leads_cli
    from dialer.cli import recordings as recordings_cli
    from dialer.cli.ami import ami_check_command, make_listener_command
    from dialer.cli.pbx_sim import pbx_sim
    from dialer.processes.demo import demo
    from dialer.processes.listener import handler_factory

    telephony = (pbx_sim, ami_check_command, make_listener_command(handler_factory(app)))
    for command in (seed_command, worker_command, demo, *telephony):
        app.cli.add_command(command)
    leads_cli.register(app)
    crm_cli.register(app)
    recordings_cli.register(app)


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


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--queue", "queues", multiple=True, help="Queues to serve (default: all).")
@click.option(
    "--no-fork",
    is_flag=True,
    help="Run jobs in the worker process (keeps the PBX connection open: for the calls queue).",
)
@with_appcontext
def worker_command(burst: bool, queues: tuple[str, ...], no_fork: bool) -> None:
    """Run an RQ worker for the dialer's queues."""
    from rq import SimpleWorker, Worker

    from dialer.jobs.runtime import bind_app
    from dialer.schema import schema_problem

    problem = schema_problem(current_app)
    if problem:
        raise click.ClickException(problem)
    bind_app(current_app._get_current_object())  # type: ignore[attr-defined]
    worker_class = SimpleWorker if no_fork else Worker
    worker = worker_class(
        [redis_hub.queue(name) for name in (queues or QUEUE_NAMES)], connection=redis_hub.client
    )
    worker.work(burst=burst, with_scheduler=not burst)
