"""``flask worker``: an RQ worker for the dialer's queues, and a housekeeper beside it."""

from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import with_appcontext

from dialer.extensions import QUEUE_NAMES, db, redis_hub


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

    from dialer.jobs.horse import end_children_with
    from dialer.jobs.runtime import bind_app
    from dialer.processes.housekeeping import Housekeeper
    from dialer.processes.pacing import Pacer
    from dialer.schema import schema_problem

    problem = schema_problem(current_app)
    # End the check's transaction: left open, it would sit idle for the worker's whole
    # life, holding back PostgreSQL's vacuum horizon.
    db.session.remove()
    if problem:
        raise click.ClickException(problem)
    bind_app(current_app._get_current_object())  # type: ignore[attr-defined]
    end_children_with(os.getpid())  # the work-horses and the scheduler die with this worker
    worker_class = SimpleWorker if no_fork else Worker
    worker = worker_class(
        [redis_hub.queue(name) for name in (queues or QUEUE_NAMES)], connection=redis_hub.client
    )
    if burst:
        worker.work(burst=True)
        return
    # Every long-lived worker may run the periodic sweep; the lease picks one at a time.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    housekeeper = Housekeeper(app, "worker").start()
    # And the predictive dialer: one lease per campaign picks the process that dials it.
    pacer = Pacer(app, "worker").start()
    try:
        worker.work(with_scheduler=True)
    finally:
        pacer.stop()
        housekeeper.stop()
