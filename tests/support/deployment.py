"""A whole deployment as separate OS processes, for fault tests, with the faults to inflict on it.

gunicorn, the calls worker, a default worker, the AMI listener, the PBX
simulator and a ``redis-server`` of its own (never a shared one: it gets
killed), on the test run's database. The listener reaches the PBX through a
:class:`TcpProxy` whose connection can be dropped or left half-open; the
workers reach it through another that notes every Originate sent. An
:class:`AmiWatch` keeps the PBX's own record of the customers it dialled.
Redis keeps an append-only file synced on every write, as a production Redis
holding job queues should, so a killed server comes back with its queues.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

import httpx
import redis
from rq import Worker

from tests.support.ami_watch import AmiWatch, OriginateLog
from tests.support.processes import Process, flask_argv, free_port
from tests.support.tcp_proxy import TcpProxy
from tests.support.waiting import wait_until

START_TIMEOUT_S = 60.0
# Like systemd's Restart=always with RestartSec: a process that exits by itself comes back.
RESTART_AFTER_S = 0.5


class Deployment:
    """Every process of the product, started with ``start()`` and ended with ``stop()``."""

    def __init__(
        self,
        folder: Path,
        *,
        database_url: str,
        instance: Path,
        ami_login: tuple[str, str],
        speed: float,
        settings: Mapping[str, str],
    ) -> None:
        self.folder = folder
        self.speed = speed
        self.redis_port, self.web_port, self.pbx_port = free_port(), free_port(), free_port()
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.url = f"http://127.0.0.1:{self.web_port}"
        self.watch = AmiWatch(*ami_login)
        self.originates = OriginateLog()
        self.listener_link = TcpProxy(self.pbx_port)
        self.worker_link = TcpProxy(self.pbx_port, tap_factory=self.originates.tap)
        env = {
            **_inherited_environment(),
            **settings,
            "DATABASE_URL": database_url,
            "REDIS_URL": self.redis_url,
            "DIALER_INSTANCE_PATH": str(instance),
            "PYTHONUNBUFFERED": "1",
        }
        workers = {**env, "AMI_PORT": str(self.worker_link.port)}
        redis_server = shutil.which("redis-server") or "/usr/bin/redis-server"
        (folder / "redis").mkdir(exist_ok=True)
        self.redis = self._process(
            "redis",
            [redis_server, "--port", str(self.redis_port), "--bind", "127.0.0.1"]
            + ["--dir", str(folder / "redis"), "--save", "", "--appendonly", "yes"]
            + ["--appendfsync", "always"],
            env,
        )
        self.pbx = self._process("pbx-sim", self._pbx_argv(), env)
        self.web = self._process(
            "web",
            [sys.executable, "-m", "gunicorn", "-k", "gthread", "-w", "2", "--threads", "8"]
            + ["-b", f"127.0.0.1:{self.web_port}", "app:app"],
            env,
        )
        self.calls_worker = self._process(
            "calls-worker", flask_argv("worker", "--queue", "calls", "--no-fork"), workers
        )
        self.worker = self._process(
            "worker", flask_argv("worker", "--queue", "default", "--queue", "crm"), workers
        )
        self.listener = self._process(
            "ami-listener",
            flask_argv("ami-listener"),
            {**env, "AMI_PORT": str(self.listener_link.port)},
        )
        self.exits: list[str] = []  # processes that exited by themselves and were restarted
        self._hands_on = threading.Lock()  # held while a fault or a restart is under way
        self._stopping = threading.Event()

    def _process(self, name: str, argv: list[str], env: Mapping[str, str]) -> Process:
        return Process(name, argv, env, self.folder / f"{name}.log")

    def _pbx_argv(self) -> list[str]:
        return flask_argv(
            "pbx-sim", "serve", "--port", str(self.pbx_port), "--speed", str(self.speed)
        )

    @property
    def processes(self) -> list[Process]:
        return [self.redis, self.pbx, self.web, self.calls_worker, self.worker, self.listener]

    # ------------------------------------------------------------ lifecycle

    def start(self) -> Deployment:
        self.redis.start()
        self.wait_for_redis()
        self.pbx.start()
        self.wait_for_pbx()
        self.web.start()
        for process in (self.calls_worker, self.worker):
            process.start()
        self.listener.start()
        self.wait_for_listener(0)
        wait_until(self._web_answers, timeout=START_TIMEOUT_S, message="the web app")
        for process in (self.calls_worker, self.worker):
            self.wait_for_worker(process)
        threading.Thread(target=self._supervise, name="supervisor", daemon=True).start()
        return self

    def _supervise(self) -> None:
        """Start again what exited by itself, as a process supervisor in production does."""
        while not self._stopping.wait(RESTART_AFTER_S):
            with self._hands_on:
                for process in self.processes:
                    if not process.is_running() and not self._stopping.is_set():
                        self.exits.append(f"{process.name} (exit {process.returncode})")
                        process.start()

    def inflict(self, fault: Callable[[], None]) -> None:
        """One fault, the supervisor kept off the processes while it is under way."""
        with self._hands_on:
            fault()

    def stop(self) -> None:
        self._stopping.set()
        # A fault under way ends first: wait for its hands to come off.
        self._hands_on.acquire()
        self._hands_on.release()
        for process in reversed(self.processes):
            process.stop()
        self.watch.stop()
        self.listener_link.close()
        self.worker_link.close()

    # ------------------------------------------------------------ readiness

    def redis_client(self) -> redis.Redis:
        return redis.Redis.from_url(self.redis_url, socket_timeout=2)

    def wait_for_redis(self) -> None:
        def answers() -> bool:
            try:
                return bool(self.redis_client().ping())
            except redis.RedisError:
                return False

        wait_until(answers, timeout=START_TIMEOUT_S, message="redis-server")

    def wait_for_pbx(self) -> None:
        """The simulator accepts AMI logins; the watcher follows it, then our processes do."""

        def watched() -> bool:
            try:
                self.watch.follow(self.pbx_port)
            except OSError:
                return False
            return True

        wait_until(watched, timeout=START_TIMEOUT_S, message="the PBX simulator")
        self.listener_link.upstream = self.worker_link.upstream = self.pbx_port

    def wait_for_listener(self, connections_before: int) -> None:
        def connected() -> bool:
            return self.listener_link.connections > connections_before

        wait_until(connected, timeout=START_TIMEOUT_S, message="the AMI listener to connect")

    def wait_for_worker(self, process: Process) -> None:
        def registered() -> bool:
            try:
                return any(w.pid == process.pid for w in Worker.all(self.redis_client()))
            except redis.RedisError:
                return False

        wait_until(registered, timeout=START_TIMEOUT_S, message=f"the {process.name}")

    def _web_answers(self) -> bool:
        try:
            return httpx.get(f"{self.url}/login", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    # ------------------------------------------------------------ faults

    def kill_worker(self) -> None:
        self.calls_worker.kill()
        self.calls_worker.start()
        self.wait_for_worker(self.calls_worker)

    def kill_listener(self) -> None:
        before = self.listener_link.connections
        self.listener.kill()
        self.listener.start()
        self.wait_for_listener(before)

    def kill_pbx(self) -> None:
        """The PBX dies with every call; it comes back on another port, as after a failover."""
        self.pbx.kill()
        self.pbx_port = free_port()
        self.pbx.argv = self._pbx_argv()
        before = self.listener_link.connections
        self.pbx.start()
        self.wait_for_pbx()
        self.wait_for_listener(before)

    def kill_redis(self) -> None:
        self.redis.kill()
        self.redis.start()
        self.wait_for_redis()

    def drop_ami(self) -> None:
        before = self.listener_link.connections
        assert self.listener_link.drop() >= 1, "the listener had no connection to drop"
        self.wait_for_listener(before)

    def half_open_ami(self) -> None:
        before = self.listener_link.connections
        assert self.listener_link.half_open() >= 1, "the listener had no connection to cut"
        self.wait_for_listener(before)

    def faults(self) -> dict[str, Callable[[], None]]:
        """Every fault, by name, in the order a run inflicts them."""
        return {
            "kill -9 calls worker": self.kill_worker,
            "kill -9 AMI listener": self.kill_listener,
            "kill -9 PBX": self.kill_pbx,
            "kill -9 Redis": self.kill_redis,
            "drop AMI link": self.drop_ami,
            "half-open AMI link": self.half_open_ami,
        }


def _inherited_environment() -> dict[str, str]:
    """The test's environment without the settings a deployment is given explicitly."""
    skip = {"DATABASE_URL", "REDIS_URL", "DIALER_ENV", "SECRET_KEY", "DIALER_PBX", "AMI_PORT"}
    return {name: value for name, value in os.environ.items() if name not in skip}
