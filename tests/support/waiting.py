"""The one way a test waits for something another thread or process does: bounded polling."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    predicate: Callable[[], T], *, timeout: float = 15.0, message: str = "", every: float = 0.05
) -> T:
    """The first true value of ``predicate``; AssertionError naming ``message`` after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        found = predicate()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {message or predicate}")
        time.sleep(every)
