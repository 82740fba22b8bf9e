"""Whatever a worker forks ends with it: the work-horse of each job, the RQ scheduler.

RQ runs each job of a forking worker in a child (the work-horse). When the
worker is killed (``kill -9``, the OOM killer, a supervisor giving up) the
kernel does not end its children: the horse would go on writing a lead import
nobody watches any more, then fail on a Redis or database that has since gone,
while a new worker runs the same import again. On Linux the horse asks the
kernel to kill it the moment its parent dies (``PR_SET_PDEATHSIG``); elsewhere
the check between chunks (``worker_alive``) stops it at the next chunk.
The scheduler process RQ forks beside a worker is armed the same way
(``end_children_with``), so a killed worker leaves no process behind.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import sys

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


class WorkerGone(RuntimeError):
    """The worker that forked this work-horse is no longer its parent: it died."""


def die_with_worker(worker_pid: int) -> bool:
    """Have the kernel SIGKILL this process when its parent dies; True when it is armed.

    If the worker already died between the fork and this call, the horse ends now.
    """
    armed = False
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
            armed = True
        else:  # pragma: no cover - prctl cannot fail with these arguments on Linux
            log.warning("prctl(PR_SET_PDEATHSIG) failed: errno %s", ctypes.get_errno())
    if os.getppid() != worker_pid:  # orphaned before the signal was armed
        os.kill(os.getpid(), signal.SIGKILL)
    return armed


def worker_alive(worker_pid: int) -> bool:
    """True while the worker that forked this process is still its parent."""
    return os.getppid() == worker_pid


_forks: dict[str, int | None] = {"from": None}


def end_children_with(worker_pid: int) -> None:
    """Every process the worker forks from now on dies with it (not their own children)."""

    def before() -> None:
        _forks["from"] = os.getpid()

    def after_in_child() -> None:
        if _forks["from"] == worker_pid:
            die_with_worker(worker_pid)

    os.register_at_fork(before=before, after_in_child=after_in_child)
