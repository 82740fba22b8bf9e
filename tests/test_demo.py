"""`make demo` runs the whole product with nothing installed, and Ctrl-C leaves no orphan."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from tests.support.processes import free_port, http_status
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.timeout(180)
def test_demo_serves_the_product_and_ctrl_c_stops_every_process(tmp_path: Path) -> None:
    port, ami_port = free_port(), free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "REDIS_URL", "AMI_", "DIALER_"))
    }
    env["DIALER_INSTANCE_PATH"] = str(tmp_path / "instance")
    demo = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "app",
            "demo",
            "--port",
            str(port),
            "--ami-port",
            str(ami_port),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/login"
        status = wait_until(
            lambda: http_status(url), timeout=120, message=f"{url} to answer", every=0.2
        )
        assert status == 200
        family = psutil.Process(demo.pid).children(recursive=True)
        names = " ".join(" ".join(p.cmdline()) for p in family)
        assert "flask --app app run" in names and "flask --app app worker" in names
        assert (tmp_path / "instance" / "dialer.db").exists()
        redis_server = psutil.Process(int((tmp_path / "instance" / "redis.pid").read_text()))
        assert "redis-server" in " ".join(redis_server.cmdline())
        family.append(redis_server)
    finally:
        demo.send_signal(signal.SIGINT)
        output, _ = demo.communicate(timeout=60)
    assert "agent1" in output and "agent-demo" in output  # the demo logins are printed
    assert "demo: stopped." in output
    gone, alive = psutil.wait_procs(family, timeout=10)
    assert alive == [], [p.cmdline() for p in alive]
