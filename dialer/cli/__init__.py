"""The ``flask`` commands: one module per process or chore, registered here."""

from __future__ import annotations

import importlib
from typing import Any

import click
from flask import Flask


def register_commands(app: Flask) -> None:
    """Add every dialer command to ``app.cli`` (nothing heavy is imported until one runs)."""
    from dialer.cli import crm, export, leads, recordings, users
    from dialer.cli.ami import ami_check_command, make_listener_command
    from dialer.cli.pacer import pacer_command
    from dialer.cli.pbx_sim import pbx_sim
    from dialer.cli.seed import seed_command
    from dialer.cli.worker import worker_command
    from dialer.processes.demo import demo
    from dialer.processes.listener import handler_factory

    telephony = (pbx_sim, ami_check_command, make_listener_command(handler_factory(app)))
    for command in (seed_command, worker_command, pacer_command, demo, *telephony):
        app.cli.add_command(command)
    leads.register(app)
    export.register(app)
    users.register(app)
    crm.register(app)
    recordings.register(app)
    app.cli.add_command(
        LazyGroup("db", "flask_migrate.cli:db", help="Perform database migrations.")
    )


class LazyGroup(click.Group):
    """A click group whose commands are imported when it runs (``flask db`` loads alembic)."""

    def __init__(self, name: str, target: str, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self._target = target

    def _group(self) -> click.Group:
        module, _sep, attribute = self._target.partition(":")
        return getattr(importlib.import_module(module), attribute)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The real group's commands."""
        return self._group().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """One of the real group's commands."""
        return self._group().get_command(ctx, cmd_name)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        """The real group's context, so its own options and callback run (``flask db -d``)."""
        return self._group().make_context(info_name, args, parent=parent, **extra)
