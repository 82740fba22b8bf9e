"""A small process supervisor: each child restarted when it dies, with a back-off.

``flask demo`` runs every process of a deployment as a child of one
:class:`Supervisor`. A child that exits (a crash, ``kill -9``, the OOM killer)
is started again with the same command after a delay that doubles on each
quick death (0.5 s, 1 s, 2 s ... up to 30 s) and starts over once the child has
stayed up for a minute, so a child that cannot start does not spin, and one
that died once comes back at once. Each death and restart is logged with the
child's name, pid and exit status. Stopping ends every child and whatever it
forked (each child leads its own process group): no orphans.

In production systemd does the same job (``deploy/systemd/``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

Echo = Callable[[str], None]

FIRST_DELAY_S = 0.5
MAX_DELAY_S = 30.0
STABLE_AFTER_S = 60.0
STOP_GRACE_S = 8.0


@dataclass
class Backoff:
    """The delay before the next restart: doubling from ``first`` to ``cap``, reset once stable."""

    first: float = FIRST_DELAY_S
    cap: float = MAX_DELAY_S
    stable_after: float = STABLE_AFTER_S
    upcoming: float = FIRST_DELAY_S

    def after_death(self, uptime: float) -> float:
        """The delay before restarting a child that died after ``uptime`` seconds up."""
        if uptime >= self.stable_after:
            self.upcoming = self.first
        delay = self.upcoming
        self.upcoming = min(self.cap, delay * 2)
        return delay


def exit_status(returncode: int) -> str:
    """A child's end as an operator reads it: "exit status 1", "killed by SIGKILL"."""
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit status {returncode}"


@dataclass
class Child:
    """One supervised process: its command, the running process, when to start it again."""

    name: str
    argv: list[str]
    ready: Callable[[], bool] | None = None
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    restarts: int = 0
    backoff: Backoff = field(default_factory=Backoff)


class Supervisor:
    """Start children in order, restart the ones that die, stop them all on request."""

    def __init__(self, env: Mapping[str, str], echo: Echo, *, tick_s: float = 0.1) -> None:
        self.env = dict(env)
        self.echo = echo
        self.tick_s = tick_s
        self.children: dict[str, Child] = {}

    def add(self, name: str, argv: list[str], ready: Callable[[], bool] | None = None) -> None:
        """Supervise ``argv`` as ``name``; ``ready`` says when the next child may start."""
        self.children[name] = Child(name, argv, ready)

    def start_all(self, ready_timeout_s: float = 15.0) -> None:
        """Start the children in the order they were added, each once the previous is ready."""
        for child in self.children.values():
            self._start(child)
            if child.ready is not None:
                deadline = time.monotonic() + ready_timeout_s
                while not child.ready() and time.monotonic() < deadline:
                    if child.process is not None and child.process.poll() is not None:
                        break
                    time.sleep(0.05)

    def check(self, now: float | None = None) -> None:
        """One round: note the children that died, start the ones whose delay is over."""
        now = time.monotonic() if now is None else now
        for child in self.children.values():
            process = child.process
            if process is not None and process.poll() is not None:
                _signal_group(process, signal.SIGKILL)  # whatever it forked goes with it
                uptime = now - child.started_at
                delay = child.backoff.after_death(uptime)
                child.process, child.restart_at = None, now + delay
                self.echo(
                    f"demo: {child.name} (pid {process.pid}) {exit_status(process.returncode)}"
                    f" after {uptime:.1f} s; restarting in {delay:.1f} s"
                )
            elif process is None and child.restart_at is not None and now >= child.restart_at:
                child.restarts += 1
                self._start(child)
                assert child.process is not None
                self.echo(f"demo: {child.name} restarted (pid {child.process.pid})")

    def run(self, stopping: Callable[[], bool]) -> None:
        """Watch the children until ``stopping()`` says to stop."""
        while not stopping():
            self.check()
            time.sleep(self.tick_s)

    def stop_all(self) -> None:
        """SIGTERM every child's process group, SIGKILL what is left after a grace period."""
        running = [c.process for c in self.children.values() if c.process is not None]
        for process in reversed(running):  # the last started first: the listener before Redis
            if process.poll() is None:
                _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()
        for child in self.children.values():
            child.process, child.restart_at = None, None

    def pids(self) -> dict[str, int]:
        """The pid of each running child, by name."""
        return {
            name: child.process.pid
            for name, child in self.children.items()
            if child.process is not None and child.process.poll() is None
        }

    def _start(self, child: Child) -> None:
        # Each child leads its own process group so we can end it and all it forked.
        child.process = subprocess.Popen(child.argv, env=self.env, start_new_session=True)  # noqa: S603
        child.started_at, child.restart_at = time.monotonic(), None


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group is already gone
        os.killpg(process.pid, signum)
