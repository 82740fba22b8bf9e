"""`flask pbx-sim serve|inbound`: run the PBX simulator, or inject an inbound call.

A plain click group: importing it needs no Flask. Under `flask` the app config
gives the defaults (AMI_USERNAME/AMI_SECRET for `serve`, AMI_HOST/AMI_PORT too for
`inbound`); options override them.

How `inbound` places the call (the same Originate works on a real Asterisk running
the reference dialplan, docs/asterisk/extensions.conf):

* queue `support`: ``Channel: Local/<did>@inbound, Application: Wait, Data: <seconds>``
  with the caller's number as CallerID. The ``[inbound]`` context answers and queues
  the ;2 half in support; the ;1 half is the caller and hangs up after <seconds>,
  whether or not an agent took the call (an unanswered caller is an ABANDON).
* any other queue: ``Channel: Local/<queue>@dialer-queue, Application: Wait,
  Data: <seconds>``. ``[dialer-queue]`` sends the ;2 half to ``Queue(<queue>)``
  without answering it, so the caller rings until an agent answers (at most
  <seconds>, the Originate Timeout; then it is an ABANDON), and once connected
  talks for <seconds> and hangs up (COMPLETECALLER). ``Local/<number>@sim-callee``
  into dialer-queue was not used: the number's last digit would pick the caller's
  behaviour and the --seconds option could not be honoured.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
import signal
import socket
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TextIO

import click

if TYPE_CHECKING:
    from dialer.telephony.simulator.server import AmiServer

DEFAULT_USERNAME = "dialer"
NUMBER = re.compile(r"\+?[0-9]{1,20}")
QUEUE = re.compile(r"[a-z][a-z0-9_-]{0,63}")
SAFE_VALUE = re.compile(r"[^\r\n]*")
REPLY_TIMEOUT_S = 10.0


def _app_config() -> Mapping[str, Any]:
    """The Flask app config when running under `flask`, else nothing."""
    try:
        from flask import current_app

        return current_app.config
    except (ImportError, RuntimeError):
        return {}


@click.group("pbx-sim", help="PBX simulator speaking the Asterisk Manager Interface.")
def pbx_sim() -> None:
    """Command group; see `serve` and `inbound`."""


@pbx_sim.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5038, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--speed",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0.001),
    help="Multiplies every dialplan timing (0.01 = a hundred times faster).",
)
@click.option("--username", default=None, help="AMI login (default: AMI_USERNAME).")
@click.option("--secret", default=None, help="AMI secret (default: AMI_SECRET).")
@click.option(
    "--static-members/--no-static-members",
    default=True,
    show_default=True,
    help="Start the queues with the reference members, or empty (agents join by QueueAdd).",
)
@click.option(
    "--answer-faults",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0.0, 1.0),
    help="Share of callee answers dropped (rings until the caller gives up) or delayed"
    " (half each), e.g. 0.05.",
)
@click.option(
    "--trace",
    "trace_path",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write each action received and event sent, with its time, as JSON lines to this file.",
)
def serve(
    host: str,
    port: int,
    speed: float,
    username: str | None,
    secret: str | None,
    static_members: bool,
    answer_faults: float,
    trace_path: str | None,
) -> None:
    """Serve AMI until interrupted."""
    # Imported here: the simulator loads only when this command runs, not with every app.
    from dialer.telephony.simulator.server import AmiServer

    config = _app_config()
    username = username or config.get("AMI_USERNAME") or DEFAULT_USERNAME
    secret = secret or config.get("AMI_SECRET")
    if not secret:
        secret = secrets.token_urlsafe(12)
        click.echo(f"No AMI_SECRET configured: this run accepts secret {secret!r}.")

    recordings = config.get("DIALER_RECORDINGS_DIR")
    trace = _open_trace(trace_path) if trace_path else None
    server = AmiServer(
        host,
        port,
        username,
        secret,
        speed,
        static_queue_members=static_members,
        recordings_dir=recordings,
        answer_faults=answer_faults,
        trace=trace,
    )
    try:
        asyncio.run(_serve_forever(server))
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}"
        ) from exc
    finally:
        if trace is not None:
            trace.close()


def _open_trace(path: str) -> TextIO:
    """The trace file, appended to line by line; a clear message when it cannot be written."""
    try:
        return open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - closed by serve
    except OSError as exc:
        raise click.ClickException(f"cannot write the trace to {path}: {exc.strerror}") from exc


async def _serve_forever(server: AmiServer) -> None:
    await server.start()
    loop = asyncio.get_running_loop()
    stopped = loop.create_future()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, lambda: stopped.done() or stopped.set_result(None))
    click.echo(
        f"PBX simulator listening on {server.host}:{server.port} "
        f"(AMI user {server.username!r}, speed {server.speed:g}); Ctrl-C to stop."
    )
    try:
        await stopped
    finally:
        await server.stop()
    click.echo("PBX simulator stopped.")


@pbx_sim.command("inbound")
@click.argument("number")
@click.option("--queue", default="support", show_default=True, help="Queue to ring.")
@click.option(
    "--seconds",
    default=60,
    show_default=True,
    type=click.IntRange(1, 86400),
    help="How long the caller stays (see the module notes).",
)
@click.option("--did", default="5550100", show_default=True, help="Number dialled (support).")
@click.option("--host", default=None, help="AMI host (default: AMI_HOST).")
@click.option(
    "--port", default=None, type=click.IntRange(1, 65535), help="AMI port (default: AMI_PORT)."
)
@click.option("--username", default=None, help="AMI login (default: AMI_USERNAME).")
@click.option("--secret", default=None, help="AMI secret (default: AMI_SECRET).")
def inbound(
    number: str,
    queue: str,
    seconds: int,
    did: str,
    host: str | None,
    port: int | None,
    username: str | None,
    secret: str | None,
) -> None:
    """Make NUMBER call in: the caller waits in a queue for an agent."""
    if not NUMBER.fullmatch(number):
        raise click.BadParameter("digits only, optionally starting with +", param_hint="NUMBER")
    if not QUEUE.fullmatch(queue):
        raise click.BadParameter(
            "a queue name: lower-case letters, digits, - or _", param_hint="--queue"
        )
    if not NUMBER.fullmatch(did):
        raise click.BadParameter("digits only", param_hint="--did")
    config = _app_config()
    target = (
        host or config.get("AMI_HOST") or "127.0.0.1",
        int(port or config.get("AMI_PORT") or 5038),
    )
    secret = secret or config.get("AMI_SECRET")
    if not secret:
        raise click.UsageError("no AMI secret: set AMI_SECRET or pass --secret")
    login = (username or config.get("AMI_USERNAME") or DEFAULT_USERNAME, secret)
    action_id = f"pbx-sim-inbound-{secrets.token_hex(4)}"
    channel = f"Local/{did}@inbound" if queue == "support" else f"Local/{queue}@dialer-queue"
    headers = [
        ("Action", "Originate"),
        ("ActionID", action_id),
        ("Channel", channel),
        ("Application", "Wait"),
        ("Data", str(seconds)),
        ("CallerID", f'"{number}" <{number}>'),
        ("Timeout", str(seconds * 1000)),
        ("Async", "true"),
    ]
    reply = send_action(target, login, headers)
    if reply.get("Response") != "Success":
        raise click.ClickException(f"the PBX refused the call: {reply.get('Message', reply)}")
    click.echo(f"Inbound call from {number} placed for queue {queue!r} (ActionID {action_id}).")


def _frame(headers: list[tuple[str, str]]) -> bytes:
    for key, value in headers:
        if not SAFE_VALUE.fullmatch(value) or not SAFE_VALUE.fullmatch(key):
            raise click.ClickException(f"refusing a CR/LF in AMI header {key!r}")
    return ("".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n").encode()


def _read_reply(sock: socket.socket, buffer: bytearray, action_id: str) -> dict[str, str]:
    """The Response message carrying our ActionID (events in between are skipped)."""
    while True:
        end = buffer.find(b"\r\n\r\n")
        if end >= 0:
            block = bytes(buffer[:end]).decode("utf-8", "replace")
            del buffer[: end + 4]
            fields = dict(line.split(": ", 1) for line in block.split("\r\n") if ": " in line)
            if "Response" in fields and fields.get("ActionID") == action_id:
                return fields
            continue
        data = sock.recv(65536)
        if not data:
            raise click.ClickException("the PBX closed the connection")
        buffer.extend(data)


def send_action(
    target: tuple[str, int], login: tuple[str, str], headers: list[tuple[str, str]]
) -> dict[str, str]:
    """Log in to AMI, send one action, return its Response, log off."""
    action_id = dict(headers)["ActionID"]
    try:
        with socket.create_connection(target, timeout=REPLY_TIMEOUT_S) as sock:
            buffer = bytearray()
            while b"\r\n" not in buffer:
                data = sock.recv(1024)
                if not data:
                    raise click.ClickException("the PBX closed the connection before greeting")
                buffer.extend(data)
            del buffer[: buffer.index(b"\r\n") + 2]
            sock.sendall(
                _frame(
                    [
                        ("Action", "Login"),
                        ("ActionID", "login"),
                        ("Username", login[0]),
                        ("Secret", login[1]),
                        ("Events", "off"),
                    ]
                )
            )
            if _read_reply(sock, buffer, "login").get("Response") != "Success":
                raise click.ClickException("AMI login refused: check AMI_USERNAME and AMI_SECRET")
            sock.sendall(_frame(headers))
            reply = _read_reply(sock, buffer, action_id)
            sock.sendall(_frame([("Action", "Logoff"), ("ActionID", "logoff")]))
            return reply
    except OSError as exc:
        raise click.ClickException(
            f"cannot reach the PBX at {target[0]}:{target[1]}: {exc}"
        ) from exc
