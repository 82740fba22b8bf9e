"""The common part of the fake helpdesks (``tests/crm_fakes.py``): a real HTTP server on
127.0.0.1 in a thread, basic auth, forced faults (429 with Retry-After, 5xx, slow answers),
a routing table, and a log of every request received."""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    headers: dict[str, str]


@dataclass
class Fault:
    """An answer forced on the next matching requests: status, headers, delay."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    times: int = 1
    path_contains: str = ""


Route = Callable[["FakeHelpdesk", str, dict[str, list[str]], Any], tuple[int, Any]]


class FakeHelpdesk:
    """The common part: a threaded HTTP server, basic auth, faults, a request log."""

    expected_auth: tuple[str, str] = ("", "")
    routes: list[tuple[str, re.Pattern[str], str]] = []

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.faults: list[Fault] = []
        self.lock = threading.Lock()
        self._ids = itertools.count(1001)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def _serve(self) -> None:
                # The client may give up waiting (the slow-answer tests).
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    fake.handle(self)

            do_GET = do_POST = do_PUT = do_DELETE = _serve  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def next_id(self) -> int:
        return next(self._ids)

    def start(self) -> FakeHelpdesk:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail(self, status: int, *, times: int = 1, path_contains: str = "", **headers: str) -> None:
        """Answer the next ``times`` requests (to paths containing the text) with ``status``."""
        self.faults.append(Fault(status, headers, times=times, path_contains=path_contains))

    def slow(self, delay_s: float, *, times: int = 1) -> None:
        """Answer the next ``times`` requests only after ``delay_s``."""
        self.faults.append(Fault(200, {}, delay_s, times))

    def received(self, method: str, path_pattern: str) -> list[Recorded]:
        """The requests received with that method whose path matches the pattern."""
        return [r for r in self.requests if r.method == method and re.search(path_pattern, r.path)]

    def _fault_for(self, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and fault.path_contains in path:
                    fault.times -= 1
                    return fault
        return None

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        query = parse_qs(parts.query)
        with self.lock:
            self.requests.append(
                Recorded(handler.command, parts.path, query, body, dict(handler.headers))
            )
        fault = self._fault_for(parts.path)
        if fault is not None and fault.delay_s:
            time.sleep(fault.delay_s)
        if fault is not None and fault.status != 200:
            self._answer(handler, fault.status, self.error_body(fault.status), fault.headers)
            return
        if not self._authorised(handler.headers.get("Authorization", "")):
            self._answer(handler, 401, self.error_body(401))
            return
        for method, pattern, name in self.routes:
            match = pattern.fullmatch(parts.path)
            if match and method == handler.command:
                with self.lock:
                    status, answer = getattr(self, name)(*match.groups(), query=query, body=body)
                self._answer(handler, status, answer)
                return
        self._answer(handler, 404, self.error_body(404))

    def _authorised(self, header: str) -> bool:
        if not header.startswith("Basic "):
            return False
        decoded = base64.b64decode(header[6:]).decode()
        user, _, password = decoded.partition(":")
        expected_user, expected_password = self.expected_auth
        return user == expected_user and (
            expected_password is None or password == expected_password
        )

    def error_body(self, status: int) -> Any:
        return {"error": f"HTTP {status}"}

    @staticmethod
    def _answer(
        handler: BaseHTTPRequestHandler,
        status: int,
        body: Any,
        headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            handler.send_header(name.replace("_", "-"), value)
        handler.end_headers()
        handler.wfile.write(data)


def route(method: str, pattern: str, name: str) -> tuple[str, re.Pattern[str], str]:
    """One row of a fake's routing table: method, path pattern, handler method name."""
    return method, re.compile(pattern), name


STAMP = "2026-11-{day:02d}T08:00:00Z"


@contextmanager
def running(fake: FakeHelpdesk) -> Iterator[FakeHelpdesk]:
    """The fake started for the block, stopped after."""
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
