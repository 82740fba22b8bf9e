"""Real OS processes for fault tests: started as production starts them, killed with SIGKILL.

Each process leads its own process group, so a kill reaches whatever it forked
(an RQ work-horse, gunicorn's workers). Output goes to a log file per process,
kept across restarts, which a failing test prints.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_status(url: str) -> int | None:
    """The HTTP status of ``url``, or None while nothing answers there."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback only
            return response.status
    except OSError:
        return None


def flask_argv(*args: str) -> list[str]:
    """``flask --app app ARGS`` with this interpreter, as the demo runs each process."""
    return [sys.executable, "-m", "flask", "--app", "app", *args]


class Process:
    """One long-running process of a deployment, which a test may kill and start again."""

    def __init__(self, name: str, argv: list[str], env: Mapping[str, str], log: Path) -> None:
        self.name, self.argv, self.env, self.log = name, argv, dict(env), log
        self._child: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def pid(self) -> int:
        assert self._child is not None, f"{self.name} was never started"
        return self._child.pid

    def is_running(self) -> bool:
        return self._child is not None and self._child.poll() is None

    @property
    def returncode(self) -> int | None:
        return None if self._child is None else self._child.returncode

    def start(self) -> Process:
        with self.log.open("ab") as out:
            out.write(f"\n----- start {self.starts + 1}: {' '.join(self.argv)}\n".encode())
            out.flush()
            self._child = subprocess.Popen(  # noqa: S603 - our own interpreter and code
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1
        return self

    def kill(self) -> None:
        """SIGKILL to the whole group: no clean exit, nothing handed back."""
        if self._child is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._child.pid, signal.SIGKILL)
        self._child.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it is still there after ten seconds."""
        if self._child is None or self._child.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._child.pid, signal.SIGTERM)
        try:
            self._child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self, lines: int = 40) -> str:
        """The end of the process's log, for a failure message."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])
