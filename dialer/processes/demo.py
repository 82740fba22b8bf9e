"""``flask demo``: the whole product on one machine with nothing else installed.

It upgrades the embedded SQLite database, seeds it when empty, starts the
embedded Redis, then runs each process of a real deployment as a child:
the web app, an RQ worker, the PBX simulator and the AMI listener. Ctrl-C
(or SIGTERM) stops every child and the Redis server: no orphans.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from dialer.extensions import db, redis_hub

DEMO_LOGINS = (
    ("admin", "admin-demo", ""),
    ("manager", "manager-demo", ""),
    ("supervisor", "supervisor-demo", ""),
    ("agent1", "agent-demo", "1001"),
    ("agent2", "agent-demo", "1002"),
    ("agent3", "agent-demo", "1003"),
)


def demo_processes(host: str, port: int, ami_port: int) -> dict[str, list[str]]:
    """The child processes of the demo, by name: the same commands production runs."""
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    return {
        "pbx-sim": [*flask, "pbx-sim", "serve", "--host", "127.0.0.1", "--port", str(ami_port)],
        "web": [
            *flask,
            "run",
            "--host",
            host,
            "--port",
            str(port),
            "--with-threads",
            "--no-reload",
        ],
        # Calls get a worker of their own that does not fork per job: a forked job
        # reconnects to the database and the PBX, too slow for Call -> ring (<100 ms).
        "calls-worker": [*flask, "worker", "--queue", "calls", "--no-fork"],
        "worker": [
            *flask,
            "worker",
            "--queue",
            "default",
            "--queue",
            "imports",
            "--queue",
            "exports",
            "--queue",
            "crm",
        ],
        "ami-listener": [*flask, "ami-listener"],
    }


def _available(app_commands: Mapping[str, object], argv: list[str]) -> bool:
    name = argv[5] if len(argv) > 5 else ""
    return name in ("run",) or name in app_commands


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--ami-port", default=5038, show_default=True, help="Port of the PBX simulator.")
@with_appcontext
def demo(host: str, port: int, ami_port: int) -> None:
    """Run the whole product: web, worker, PBX simulator, AMI listener, embedded Redis."""
    from flask_migrate import upgrade

    from dialer.seeding import seed

    upgrade()
    from dialer.models import User

    if not db.session.scalar(select(func.count()).select_from(User)):
        seed(db.session, region=current_app.config["DIALER_DEFAULT_REGION"])
        db.session.commit()
        click.echo("Loaded the demo data from seeds/.")
    db.session.remove()
    env = dict(os.environ)
    env["REDIS_URL"] = redis_hub.url  # starts the embedded Redis when none is configured
    env["DIALER_INSTANCE_PATH"] = current_app.instance_path
    if current_app.config["DIALER_PBX"] == "simulator":
        env["AMI_HOST"], env["AMI_PORT"] = "127.0.0.1", str(ami_port)
    env.setdefault("PYTHONUNBUFFERED", "1")
    commands = current_app.cli.list_commands(click.Context(current_app.cli))  # type: ignore[arg-type]
    processes = {
        name: argv
        for name, argv in demo_processes(host, port, ami_port).items()
        if _available(dict.fromkeys(commands), argv)
        and not (name == "pbx-sim" and current_app.config["DIALER_PBX"] != "simulator")
    }
    _run(processes, env, f"http://{host}:{port}")


def _run(processes: dict[str, list[str]], env: dict[str, str], url: str) -> None:
    children: dict[str, subprocess.Popen[bytes]] = {}
    stopping = {"now": False}

    def stop(signum: int, _frame: object) -> None:
        stopping["now"] = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        for name, argv in processes.items():
            # Each child leads its own process group so we can end it and all it forked.
            children[name] = subprocess.Popen(argv, env=env, start_new_session=True)  # noqa: S603
            if name == "pbx-sim":
                time.sleep(0.5)  # let it bind before the listener connects
        _print_banner(url, list(children))
        while not stopping["now"]:
            for name, child in children.items():
                if child.poll() is not None:
                    click.echo(f"demo: {name} exited with code {child.returncode}; stopping.")
                    stopping["now"] = True
            time.sleep(0.3)
    finally:
        _stop_children(children)
        redis_hub.stop_embedded()
        click.echo("demo: stopped.")


def _stop_children(children: dict[str, subprocess.Popen[bytes]]) -> None:
    for child in children.values():
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + 8
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()


def _print_banner(url: str, names: list[str]) -> None:
    click.echo("")
    click.echo(f"  Dialer demo running at {url}   (processes: {', '.join(names)})")
    click.echo("  Demo logins (agent id / password / extension):")
    for username, password, extension in DEMO_LOGINS:
        click.echo(f"    {username:<11} {password:<16} {extension}")
    click.echo("  Press Ctrl-C to stop everything.")
    click.echo("")
