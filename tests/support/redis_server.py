"""A Redis server of a test's own (the real binary, on a free port) that the test may kill.

Fault tests kill and restart this one, never the Redis the rest of the suite shares.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import redis

from tests.support.processes import free_port
from tests.support.waiting import wait_until


def redis_server_binary() -> str:
    """The machine's redis-server; the test is skipped without one."""
    found = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(found).exists():
        pytest.skip("no redis-server on this machine (apt-get install redis-server)")
    return found


class RedisServer:
    """``redis-server`` as a child process: start, ``kill -9``, start again on the same port."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        self._process = subprocess.Popen(
            [redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        probe = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        try:
            wait_until(self._answers(probe), timeout=10, message="redis-server to answer")
        finally:
            probe.close()
        return self

    @staticmethod
    def _answers(probe: redis.Redis):  # noqa: ANN205
        def answers() -> bool:
            try:
                return bool(probe.ping())
            except redis.ConnectionError:
                return False

        return answers

    def kill(self) -> None:
        """SIGKILL, as an outage does: no shutdown, no goodbye to the clients."""
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)
            self._process = None

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port)
