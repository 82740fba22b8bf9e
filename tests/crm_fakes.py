"""Local fake Freshdesk and Zendesk servers, written from the vendors' API documentation.

Each is a real HTTP server on 127.0.0.1 in a thread (``http.server``). They check
the documented auth header, answer the documented paths and JSON shapes, page
their search results, and can be told to answer 429 with Retry-After, a 5xx, or
slowly. Every request is recorded so a test can assert what the helpdesk received.
"""

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
from urllib.parse import parse_qs, urlencode, urlsplit


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


def _route(method: str, pattern: str, name: str) -> tuple[str, re.Pattern[str], str]:
    return method, re.compile(pattern), name


STAMP = "2026-11-{day:02d}T08:00:00Z"


class FakeFreshdesk(FakeHelpdesk):
    """Freshdesk API v2: the API key as the user name, any password (the docs use X)."""

    SEARCH_PAGE = 30
    routes = [
        _route("GET", r"/api/v2/agents/me", "me"),
        _route("GET", r"/api/v2/search/contacts", "search"),
        _route("GET", r"/api/v2/tickets", "list_tickets"),
        _route("POST", r"/api/v2/contacts", "create_contact"),
        _route("PUT", r"/api/v2/contacts/(\d+)", "update_contact"),
        _route("POST", r"/api/v2/tickets", "create_ticket"),
        _route("POST", r"/api/v2/tickets/(\d+)/notes", "add_note"),
    ]

    def __init__(self, api_key: str = "fd-key-123") -> None:
        super().__init__()
        self.expected_auth = (api_key, None)  # type: ignore[assignment]
        self.contacts: dict[int, dict[str, Any]] = {}
        self.tickets: dict[int, dict[str, Any]] = {}
        self.notes: list[dict[str, Any]] = []

    def error_body(self, status: int) -> Any:
        if status == 401:
            return {
                "code": "invalid_credentials",
                "message": "You have to be logged in to perform this action.",
            }
        if status == 404:
            return None
        return {"description": f"HTTP {status}", "errors": []}

    def add_contact(
        self, name: str, phone: str, *, email: str = "", day: int = 1, mobile: str = ""
    ) -> int:
        cid = self.next_id()
        self.contacts[cid] = {
            "id": cid,
            "name": name,
            "phone": phone,
            "mobile": mobile or None,
            "email": email or None,
            "updated_at": STAMP.format(day=day),
        }
        return cid

    def add_ticket(self, requester_id: int, subject: str, *, status: int = 2, day: int = 1) -> int:
        tid = self.next_id()
        self.tickets[tid] = {
            "id": tid,
            "subject": subject,
            "status": status,
            "requester_id": requester_id,
            "updated_at": STAMP.format(day=day),
            "deleted": False,
        }
        return tid

    def me(self, *, query: Any, body: Any) -> tuple[int, Any]:
        return 200, {"id": 1, "contact": {"name": "Lan Support", "email": "lan@example.com"}}

    def search(self, *, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        text = query.get("query", [""])[0]
        if not (text.startswith('"') and text.endswith('"')):
            return 400, {
                "description": "Validation failed",
                "errors": [
                    {
                        "field": "query",
                        "message": "Query must be enclosed in double quotes",
                        "code": "invalid_value",
                    }
                ],
            }
        wanted = set(re.findall(r"(?:phone|mobile):'([^']*)'", text))
        hits = [c for c in self.contacts.values() if c["phone"] in wanted or c["mobile"] in wanted]
        page = int(query.get("page", ["1"])[0])
        start = (page - 1) * self.SEARCH_PAGE
        return 200, {"results": hits[start : start + self.SEARCH_PAGE], "total": len(hits)}

    def list_tickets(self, *, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        requester = int(query.get("requester_id", ["0"])[0])
        per_page = int(query.get("per_page", ["30"])[0])
        rows = [
            t for t in self.tickets.values() if t["requester_id"] == requester and not t["deleted"]
        ]
        descending = query.get("order_type", ["desc"])[0] == "desc"
        order_by = query.get("order_by", ["created_at"])[0]
        rows.sort(key=lambda t: t.get(order_by) or t["id"], reverse=descending)
        return 200, rows[:per_page]

    def create_contact(self, *, query: Any, body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict) or not body.get("name"):
            return 400, {
                "description": "Validation failed",
                "errors": [
                    {
                        "field": "name",
                        "message": "It should be a/an String",
                        "code": "missing_field",
                    }
                ],
            }
        cid = self.add_contact(body["name"], body.get("phone", ""), day=28)
        return 201, self.contacts[cid]

    def update_contact(self, cid: str, *, query: Any, body: Any) -> tuple[int, Any]:
        contact = self.contacts.get(int(cid))
        if contact is None:
            return 404, None
        contact.update({k: v for k, v in body.items() if k in ("name", "email", "phone")})
        return 200, contact

    def create_ticket(self, *, query: Any, body: Any) -> tuple[int, Any]:
        tid = self.add_ticket(
            int(body["requester_id"]), body["subject"], status=body.get("status", 2), day=28
        )
        self.tickets[tid].update(
            description=body.get("description"),
            source=body.get("source"),
            priority=body.get("priority"),
        )
        return 201, self.tickets[tid]

    def add_note(self, tid: str, *, query: Any, body: Any) -> tuple[int, Any]:
        ticket = self.tickets.get(int(tid))
        if ticket is None or ticket["deleted"]:
            return 404, None
        note = {
            "id": self.next_id(),
            "ticket_id": int(tid),
            "body": body["body"],
            "private": body.get("private", False),
        }
        self.notes.append(note)
        return 201, note


class FakeZendesk(FakeHelpdesk):
    """Zendesk Support API v2 with API token auth, and Talk Partner Edition's display calls."""

    SEARCH_PAGE = 1  # small pages, so paging is exercised with two users
    routes = [
        _route("GET", r"/api/v2/users/me\.json", "me"),
        _route("GET", r"/api/v2/search\.json", "search"),
        _route("GET", r"/api/v2/users/search\.json", "user_search"),
        _route("GET", r"/api/v2/users/(\d+)/tickets/requested\.json", "requested"),
        _route("POST", r"/api/v2/users\.json", "create_user"),
        _route("PUT", r"/api/v2/users/(\d+)\.json", "update_user"),
        _route("POST", r"/api/v2/tickets\.json", "create_ticket"),
        _route("PUT", r"/api/v2/tickets/(\d+)\.json", "update_ticket"),
        _route(
            "POST", r"/api/v2/channels/voice/agents/(\d+)/tickets/(\d+)/display\.json", "display"
        ),
    ]

    def __init__(self, email: str = "admin@example.com", token: str = "zd-token-456") -> None:
        super().__init__()
        self.expected_auth = (f"{email}/token", token)
        self.users: dict[int, dict[str, Any]] = {}
        self.tickets: dict[int, dict[str, Any]] = {}
        self.comments: list[dict[str, Any]] = []
        self.displayed: list[tuple[int, int]] = []
        self.agent_id = self.add_user("Admin", "", email=email, role="admin")

    def error_body(self, status: int) -> Any:
        if status == 401:
            return {"error": "Couldn't authenticate you"}
        if status == 404:
            return {"error": "RecordNotFound", "description": "Not found"}
        return {"error": f"HTTP {status}"}

    def add_user(
        self, name: str, phone: str, *, email: str = "", role: str = "end-user", day: int = 1
    ) -> int:
        uid = self.next_id()
        self.users[uid] = {
            "id": uid,
            "name": name,
            "phone": phone or None,
            "email": email or None,
            "role": role,
            "updated_at": STAMP.format(day=day),
        }
        return uid

    def add_ticket(
        self, requester_id: int, subject: str, *, status: str = "open", day: int = 1
    ) -> int:
        tid = self.next_id()
        self.tickets[tid] = {
            "id": tid,
            "subject": subject,
            "status": status,
            "requester_id": requester_id,
            "updated_at": STAMP.format(day=day),
        }
        return tid

    def me(self, *, query: Any, body: Any) -> tuple[int, Any]:
        return 200, {"user": self.users[self.agent_id]}

    def search(self, *, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        text = query.get("query", [""])[0]
        match = re.fullmatch(r'type:user phone:"([^"]*)"', text)
        wanted = match.group(1) if match else None
        hits = [
            dict(u, result_type="user")
            for u in self.users.values()
            if wanted and u["phone"] == wanted
        ]
        page = int(query.get("page", ["1"])[0])
        start = (page - 1) * self.SEARCH_PAGE
        next_page = None
        if start + self.SEARCH_PAGE < len(hits):
            next_page = f"{self.url}/api/v2/search.json?" + urlencode(
                {"query": text, "page": page + 1}
            )
        return 200, {
            "results": hits[start : start + self.SEARCH_PAGE],
            "count": len(hits),
            "next_page": next_page,
        }

    def user_search(self, *, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        text = query.get("query", [""])[0].removeprefix("email:")
        return 200, {"users": [u for u in self.users.values() if u["email"] == text]}

    def requested(self, uid: str, *, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        if int(uid) not in self.users:
            return 404, self.error_body(404)
        rows = [t for t in self.tickets.values() if t["requester_id"] == int(uid)]
        rows.sort(
            key=lambda t: t["updated_at"], reverse=query.get("sort_order", ["asc"])[0] == "desc"
        )
        per_page = int(query.get("per_page", ["100"])[0])
        return 200, {"tickets": rows[:per_page], "count": len(rows), "next_page": None}

    def create_user(self, *, query: Any, body: Any) -> tuple[int, Any]:
        user = body["user"]
        uid = self.add_user(user["name"], user.get("phone", ""), day=28)
        return 201, {"user": self.users[uid]}

    def update_user(self, uid: str, *, query: Any, body: Any) -> tuple[int, Any]:
        user = self.users.get(int(uid))
        if user is None:
            return 404, self.error_body(404)
        user.update({k: v for k, v in body["user"].items() if k in ("name", "email", "phone")})
        return 200, {"user": user}

    def create_ticket(self, *, query: Any, body: Any) -> tuple[int, Any]:
        ticket = body["ticket"]
        tid = self.add_ticket(int(ticket["requester_id"]), ticket["subject"], status="new", day=28)
        self.comments.append({"ticket_id": tid, **ticket["comment"]})
        return 201, {"ticket": self.tickets[tid]}

    def update_ticket(self, tid: str, *, query: Any, body: Any) -> tuple[int, Any]:
        ticket = self.tickets.get(int(tid))
        if ticket is None:
            return 404, self.error_body(404)
        comment = body.get("ticket", {}).get("comment")
        if comment:
            self.comments.append({"ticket_id": int(tid), **comment})
        return 200, {"ticket": ticket}

    def display(self, agent_id: str, tid: str, *, query: Any, body: Any) -> tuple[int, Any]:
        if int(agent_id) not in self.users or int(tid) not in self.tickets:
            return 404, self.error_body(404)
        self.displayed.append((int(agent_id), int(tid)))
        return 200, None


@contextmanager
def running(fake: FakeHelpdesk) -> Iterator[FakeHelpdesk]:
    """The fake started for the block, stopped after."""
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
