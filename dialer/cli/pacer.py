"""``flask pacer``: the predictive dialer on its own, for a deployment that wants it apart.

Workers and the AMI listener already run one each; any number may run, the
per-campaign lease lets one dial each campaign at a time.
"""

from __future__ import annotations

import signal
import threading

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("pacer")
@with_appcontext
def pacer_command() -> None:
    """Pace the running predictive campaigns until stopped (Ctrl-C or SIGTERM)."""
    from dialer.processes.pacing import Pacer
    from dialer.schema import schema_problem

    problem = schema_problem(current_app)
    if problem:
        raise click.ClickException(problem)
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    app.config["DIALER_PACING"] = True  # the one process whose job it is
    pacer = Pacer(app, "pacer").start()
    click.echo(f"pacing as {pacer.holder}")
    try:
        stopped.wait()  # a signal handler sets it
    finally:
        pacer.stop()
