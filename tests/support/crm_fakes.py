"""Local fake Freshdesk and Zendesk servers, written from the vendors' API documentation.

Each is a real HTTP server on 127.0.0.1 in a thread (``http.server``). They check
the documented auth header, answer the documented paths and JSON shapes, page
their search results, and can be told to answer 429 with Retry-After, a 5xx, or
slowly. Every request is recorded so a test can assert what the helpdesk received.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from tests.support.helpdesk_server import STAMP, FakeHelpdesk, route, running

__all__ = ["FakeFreshdesk", "FakeZendesk", "running"]


class FakeFreshdesk(FakeHelpdesk):
    """Freshdesk API v2: the API key as the user name, any password (the docs use X)."""

    SEARCH_PAGE = 30
    routes = [
        route("GET", r"/api/v2/agents/me", "me"),
        route("GET", r"/api/v2/search/contacts", "search"),
        route("GET", r"/api/v2/tickets", "list_tickets"),
        route("POST", r"/api/v2/contacts", "create_contact"),
        route("PUT", r"/api/v2/contacts/(\d+)", "update_contact"),
        route("POST", r"/api/v2/tickets", "create_ticket"),
        route("POST", r"/api/v2/tickets/(\d+)/notes", "add_note"),
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
        route("GET", r"/api/v2/users/me\.json", "me"),
        route("GET", r"/api/v2/search\.json", "search"),
        route("GET", r"/api/v2/users/search\.json", "user_search"),
        route("GET", r"/api/v2/users/(\d+)/tickets/requested\.json", "requested"),
        route("POST", r"/api/v2/users\.json", "create_user"),
        route("PUT", r"/api/v2/users/(\d+)\.json", "update_user"),
        route("POST", r"/api/v2/tickets\.json", "create_ticket"),
        route("PUT", r"/api/v2/tickets/(\d+)\.json", "update_ticket"),
        route(
            "POST", r"/api/v2/channels/voice/agents/(\d+)/tickets/(\d+)/display\.json", "display"
        ),
        route(
            "POST",
            r"/api/v2/channels/voice/agents/(\d+)/users/(\d+)/display\.json",
            "display_user",
        ),
    ]

    def __init__(self, email: str = "admin@example.com", token: str = "zd-token-456") -> None:
        super().__init__()
        self.expected_auth = (f"{email}/token", token)
        self.users: dict[int, dict[str, Any]] = {}
        self.tickets: dict[int, dict[str, Any]] = {}
        self.comments: list[dict[str, Any]] = []
        self.displayed: list[tuple[int, int]] = []  # (agent, ticket)
        self.displayed_users: list[tuple[int, int]] = []  # (agent, user)
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

    def display_user(self, agent_id: str, uid: str, *, query: Any, body: Any) -> tuple[int, Any]:
        agent = self.users.get(int(agent_id))
        if agent is None or agent["role"] == "end-user" or int(uid) not in self.users:
            return 404, self.error_body(404)
        self.displayed_users.append((int(agent_id), int(uid)))
        return 200, None
