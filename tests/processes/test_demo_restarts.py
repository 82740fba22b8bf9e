"""`flask demo` keeps the product up: each child killed -9 comes back, and the product answers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.support.processes import free_port, http_status
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
SECRET = "demo-test-secret"
# How each child is recognised among the demo's processes, in the order they are killed.
CHILDREN = {
    "calls-worker": "worker --queue calls",
    "ami-listener": "flask --app app ami-listener",
    "pbx-sim": "pbx-sim serve",
    "redis": "redis-server",
    "web": "flask --app app run",
    "worker": "worker --queue default",
}


def _ami_pong(port: int) -> bool:
    """The PBX simulator greets, accepts the login and answers Ping."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            sock.sendall(
                b"Action: Login\r\nUsername: dialer\r\nSecret: " + SECRET.encode() + b"\r\n\r\n"
                b"Action: Ping\r\nActionID: p1\r\n\r\n"
            )
            received = b""
            while b"Pong" not in received:
                chunk = sock.recv(4096)
                if not chunk:
                    return False
                received += chunk
            return received.startswith(b"Asterisk Call Manager/")
    except OSError:
        return False


def _children(demo: psutil.Process) -> dict[str, int]:
    """The pid of each running child of the demo, by name."""
    found: dict[str, int] = {}
    for child in demo.children():
        try:
            if child.status() == psutil.STATUS_ZOMBIE:
                continue
            command = " ".join(child.cmdline())
        except psutil.NoSuchProcess:
            continue
        for name, signature in CHILDREN.items():
            if signature in command:
                found[name] = child.pid
    return found


def _listener_connected(pid: int, ami_port: int) -> bool:
    try:
        connections = psutil.Process(pid).net_connections(kind="tcp")
    except psutil.NoSuchProcess:
        return False
    return any(
        c.raddr and c.raddr.port == ami_port and c.status == "ESTABLISHED" for c in connections
    )


@pytest.mark.timeout(240)
def test_each_child_killed_is_restarted_and_the_product_answers_again(tmp_path: Path) -> None:
    port, ami_port = free_port(), free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "REDIS_URL", "AMI_", "DIALER_"))
    }
    env["DIALER_INSTANCE_PATH"] = str(tmp_path / "instance")
    env["AMI_SECRET"] = SECRET
    log_path = tmp_path / "demo.log"
    command = [sys.executable, "-m", "flask", "--app", "app", "demo"]
    with log_path.open("w") as log:
        demo = subprocess.Popen(
            [*command, "--port", str(port), "--ami-port", str(ami_port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    supervisor = psutil.Process(demo.pid)
    login = f"http://127.0.0.1:{port}/login"
    seen: list[psutil.Process] = []
    try:
        wait_until(lambda: http_status(login) == 200, timeout=150, message="the demo", every=0.2)
        wait_until(
            lambda: len(_children(supervisor)) == len(CHILDREN), timeout=30, message="children"
        )
        # Two quick deaths: the second restart waits twice as long as the first.
        for delay in ("0.5", "1.0"):
            pid = _children(supervisor)["calls-worker"]
            seen.append(psutil.Process(pid))
            os.kill(pid, signal.SIGKILL)
            wait_until(
                lambda pid=pid: (
                    f"calls-worker (pid {pid}) killed by SIGKILL" in log_path.read_text()
                ),
                timeout=10,
                message="the death to be logged",
            )
            death = next(
                line for line in log_path.read_text().splitlines() if f"(pid {pid}) killed" in line
            )
            assert death.endswith(f"restarting in {delay} s"), death
            wait_until(
                lambda pid=pid: _children(supervisor).get("calls-worker", pid) != pid,
                timeout=30,
                message="the calls worker to be restarted",
            )
        for name in CHILDREN:
            old = _children(supervisor)[name]
            seen.append(psutil.Process(old))
            os.kill(old, signal.SIGKILL)
            killed = time.monotonic()
            new = wait_until(
                lambda name=name, old=old: (
                    _children(supervisor).get(name, old) != old and _children(supervisor)[name]
                ),
                timeout=30,
                message=f"{name} to be restarted",
            )
            print(f"\n{name}: killed -> restarted in {time.monotonic() - killed:.2f} s")
            seen.append(psutil.Process(new))
            wait_until(
                lambda: http_status(login) == 200 and _ami_pong(ami_port),
                timeout=30,
                message=f"the product to answer after {name} was killed",
                every=0.2,
            )
            print(f"{name}: killed -> product answering in {time.monotonic() - killed:.2f} s")
        listener = _children(supervisor)["ami-listener"]
        wait_until(
            lambda: _listener_connected(listener, ami_port),
            timeout=30,
            message="the listener to be connected to the restarted PBX",
        )
        seen.extend(psutil.Process(pid) for pid in _children(supervisor).values())
    finally:
        demo.send_signal(signal.SIGINT)
        demo.wait(timeout=60)
    output = log_path.read_text()
    for name in CHILDREN:
        assert f"demo: {name} (pid " in output and f"demo: {name} restarted (pid " in output
    assert "killed by SIGKILL" in output
    assert "demo: stopped." in output
    gone, alive = psutil.wait_procs(seen, timeout=10)
    assert [p for p in alive if p.status() != psutil.STATUS_ZOMBIE] == []
