"""How RQ jobs get an app context: thin wrappers over ids, each owning its transaction."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import Flask

F = TypeVar("F", bound=Callable[..., Any])

_bound: dict[str, Any] = {"app": None, "pid": None, "worker_pid": None}


def bind_app(app: Flask) -> None:
    """Jobs run in this process (and its forked work-horses) use ``app``."""
    _bound["app"] = app
    _bound["pid"] = os.getpid()


def worker_pid() -> int | None:
    """The pid of the worker that forked this work-horse; None outside a forked horse."""
    return _bound["worker_pid"]


@contextmanager
def app_context() -> Iterator[Flask]:
    """An app context for a job; a forked work-horse gets fresh database connections."""
    from dialer import create_app
    from dialer.extensions import db
    from dialer.jobs.horse import die_with_worker

    app = _bound["app"]
    if app is None:
        app = create_app()
        bind_app(app)
    with app.app_context():
        if _bound["pid"] != os.getpid():
            # A forked work-horse: it ends with its worker, and the connections
            # inherited across fork() must not be shared with the parent.
            die_with_worker(_bound["pid"])
            _bound["worker_pid"] = _bound["pid"]
            db.engine.dispose(close=False)
            _bound["pid"] = os.getpid()
        try:
            yield app
        finally:
            db.session.remove()


def job(function: F) -> F:
    """Run the job function inside the app context."""

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        with app_context():
            return function(*args, **kwargs)

    return run  # type: ignore[return-value]
