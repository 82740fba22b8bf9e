"""``flask ami-check`` and ``flask ami-listener``: the AMI commands, on the app's AMI_* config."""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable

import click
from flask import current_app
from flask.cli import with_appcontext

from dialer.telephony.ami.adapter import AmiAdapter
from dialer.telephony.ami.settings import AmiSettings, settings_from_config
from dialer.telephony.listener import run_listener
from dialer.telephony.port import EventHandler, TelephonyError

HandlerFactory = Callable[[AmiAdapter], EventHandler]


def check_pbx(settings: AmiSettings) -> tuple[bool, str]:
    """Log in, ping and list channels; (ok, one line saying what works or what is wrong)."""
    adapter = AmiAdapter(settings)
    try:
        conn = adapter._connection()
        started = time.perf_counter()
        conn.ping()
        ping_ms = (time.perf_counter() - started) * 1000
        channels = adapter.live_channels()
    except TelephonyError as exc:
        return False, f"FAIL {settings.address}: {exc}"
    finally:
        adapter.close()
    ours = len({c.call_uid for c in channels if c.call_uid})
    return True, (
        f"OK {conn.title}/{conn.version} at {settings.address}: "
        f"logged in as {settings.username!r}, "
        f"ping {ping_ms:.1f} ms, {len(channels)} channels up, {ours} calls placed by the dialer"
    )


@click.command("ami-check")
@with_appcontext
def ami_check_command() -> None:
    """Log in to the PBX, ping, list channels; print one line; exit 1 when something is wrong."""
    ok, line = check_pbx(settings_from_config(current_app.config))
    click.echo(line)
    sys.exit(0 if ok else 1)


def make_listener_command(handler_factory: HandlerFactory) -> click.Command:
    """The ``ami-listener`` command; ``handler_factory(port)`` gives the event handler."""

    @click.command("ami-listener")
    @with_appcontext
    def ami_listener_command() -> None:
        """Keep the AMI connection and feed call events to the dialer until stopped."""
        settings = settings_from_config(current_app.config)
        adapter = AmiAdapter(settings)
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        click.echo(f"ami-listener: listening to {settings.address}")
        run_listener(settings, handler_factory(adapter), stop, adapter=adapter)

    return ami_listener_command
