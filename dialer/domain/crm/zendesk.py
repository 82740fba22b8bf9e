"""Zendesk (Support API v2 with email/token auth, and Talk Partner Edition's display calls)."""

from __future__ import annotations

from typing import Any

from dialer.domain.crm.http import check_base_url, make_client, send
from dialer.domain.crm.port import (
    BAD_CREDENTIALS,
    NOT_A_HELPDESK,
    NOT_FOUND,
    CrmContact,
    CrmError,
    CrmTicket,
    Whoami,
    newest_first,
    parse_time,
)

MAX_SEARCH_PAGES = 3


class ZendeskConnector:
    """The CRM port over one Zendesk account; ``popup`` is in-app or browser."""

    provider = "zendesk"

    def __init__(
        self, base_url: str, email: str, api_token: str, *, timeout_s: float, popup: str = "browser"
    ) -> None:
        self.base_url = check_base_url(base_url)
        self.popup = popup
        # Zendesk's API token auth: "<email>/token" as the user, the token as the password.
        self._client = make_client(
            f"{self.base_url}/api/v2/", (f"{email}/token", api_token), timeout_s
        )

    def close(self) -> None:
        """Release the connection pool."""
        self._client.close()

    def whoami(self) -> Whoami:
        """The user of the token (``GET users/me.json``); an anonymous answer is a bad token."""
        user = self._object("GET", "users/me.json", "user")
        if user.get("id") is None:  # Zendesk answers an anonymous user to unknown credentials
            raise CrmError(BAD_CREDENTIALS, "Zendesk answered as an anonymous user")
        return Whoami(str(user.get("name") or ""), str(user.get("email") or ""))

    def find_contacts(self, numbers: list[str]) -> list[CrmContact]:
        """Users whose phone is one of the shapes of the number (search API), newest first."""
        found: dict[str, CrmContact] = {}
        for number in numbers:
            if not number.lstrip("+").isdigit():
                continue
            query = f'type:user phone:"{number}"'
            page_url: str | None = "search.json"
            params: dict[str, Any] | None = {"query": query}
            for _ in range(MAX_SEARCH_PAGES):
                if page_url is None:
                    break
                body = self._json("GET", page_url, params=params)
                results = body.get("results") if isinstance(body, dict) else None
                if not isinstance(results, list):
                    raise CrmError(NOT_A_HELPDESK, "search answered without results")
                for row in results:
                    if isinstance(row, dict) and row.get("result_type", "user") == "user":
                        contact = self._contact(row)
                        found[contact.ref] = contact
                page_url, params = body.get("next_page"), None
        return newest_first(found.values())

    def latest_tickets(self, contact: CrmContact, limit: int = 5) -> list[CrmTicket]:
        """The tickets the user requested, most recently updated first."""
        params = {"sort_by": "updated_at", "sort_order": "desc", "per_page": limit}
        body = self._json("GET", f"users/{int(contact.ref)}/tickets/requested.json", params=params)
        rows = body.get("tickets") if isinstance(body, dict) else None
        if not isinstance(rows, list):
            raise CrmError(NOT_A_HELPDESK, "tickets answered without a list")
        return [self._ticket(row) for row in rows[:limit]]

    def create_contact(self, name: str, phone: str) -> CrmContact:
        """``POST users.json`` (an end user with that name and phone)."""
        body = {"user": {"name": name, "phone": phone, "role": "end-user"}}
        return self._contact(self._object("POST", "users.json", "user", json=body))

    def rename_contact(self, contact_ref: str, name: str) -> CrmContact:
        """``PUT users/<id>.json`` with the new name."""
        body = {"user": {"name": name}}
        return self._contact(
            self._object("PUT", f"users/{int(contact_ref)}.json", "user", json=body)
        )

    def create_ticket(self, contact: CrmContact, subject: str, body: str) -> CrmTicket:
        """A ticket requested by the user, its first comment private (agents only)."""
        payload = {
            "ticket": {
                "subject": subject,
                "comment": {"body": body, "public": False},
                "requester_id": int(contact.ref),
            }
        }
        return self._ticket(self._object("POST", "tickets.json", "ticket", json=payload))

    def add_private_note(self, ticket_ref: str, body: str) -> None:
        """``PUT tickets/<id>.json`` with a comment that is not public."""
        payload = {"ticket": {"comment": {"body": body, "public": False}}}
        self._object("PUT", f"tickets/{int(ticket_ref)}.json", "ticket", json=payload)

    def ticket_url(self, ticket_ref: str) -> str:
        """The agent's page of the ticket."""
        return f"{self.base_url}/agent/tickets/{ticket_ref}"

    def display_ticket(self, agent_email: str, ticket_ref: str) -> bool:
        """Open the ticket in the agent's Zendesk tab (Talk Partner Edition); False when unknown."""
        return self._display(agent_email, "tickets", ticket_ref)

    def display_user(self, agent_email: str, contact_ref: str) -> bool:
        """Open the user's profile in the agent's Zendesk tab; False when either is unknown."""
        return self._display(agent_email, "users", contact_ref)

    def _display(self, agent_email: str, kind: str, ref: str) -> bool:
        """``POST channels/voice/agents/<agent>/<kind>/<id>/display.json``, the agent found by
        email; False when the pop-up is not in-app or Zendesk knows the agent or record not."""
        if self.popup != "in-app" or not agent_email or not str(ref).isdigit():
            return False
        agent_id = self._agent_id(agent_email)
        if agent_id is None:
            return False
        path = f"channels/voice/agents/{agent_id}/{kind}/{int(ref)}/display.json"
        try:
            self._json("POST", path)
        except CrmError as error:
            if error.code == NOT_FOUND:
                return False
            raise
        return True

    def _agent_id(self, email: str) -> int | None:
        body = self._json("GET", "users/search.json", params={"query": f"email:{email}"})
        users = body.get("users") if isinstance(body, dict) else None
        for user in users or []:
            if isinstance(user, dict) and str(user.get("email", "")).lower() == email.lower():
                return int(user["id"])
        return None

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return send(self._client, method, path, **kwargs)

    def _object(self, method: str, path: str, key: str, **kwargs: Any) -> dict[str, Any]:
        body = self._json(method, path, **kwargs)
        value = body.get(key) if isinstance(body, dict) else None
        if not isinstance(value, dict):
            raise CrmError(NOT_A_HELPDESK, f"the answer has no {key}")
        return value

    def _contact(self, row: Any) -> CrmContact:
        if not isinstance(row, dict) or row.get("id") is None:
            raise CrmError(NOT_A_HELPDESK, "a user without an id")
        return CrmContact(
            ref=str(row["id"]),
            name=str(row.get("name") or ""),
            phone=str(row.get("phone") or ""),
            email=str(row.get("email") or ""),
            url=f"{self.base_url}/agent/users/{row['id']}",
            updated_at=parse_time(row.get("updated_at")),
        )

    def _ticket(self, row: Any) -> CrmTicket:
        if not isinstance(row, dict) or row.get("id") is None:
            raise CrmError(NOT_A_HELPDESK, "a ticket without an id")
        return CrmTicket(
            ref=str(row["id"]),
            subject=str(row.get("subject") or ""),
            status=str(row.get("status") or "").capitalize(),
            updated_at=parse_time(row.get("updated_at")),
            url=self.ticket_url(str(row["id"])),
        )
