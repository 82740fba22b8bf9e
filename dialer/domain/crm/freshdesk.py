"""Freshdesk (API v2): the API key as the basic-auth user name, JSON in and out."""

from __future__ import annotations

from typing import Any

from dialer.domain.crm.http import check_base_url, make_client, send
from dialer.domain.crm.port import (
    NOT_A_HELPDESK,
    CrmContact,
    CrmError,
    CrmTicket,
    Whoami,
    newest_first,
    parse_time,
)

# Freshdesk's ticket statuses (API v2 documentation, "Ticket properties").
STATUSES = {2: "Open", 3: "Pending", 4: "Resolved", 5: "Closed"}
SOURCE_PHONE = 3
STATUS_OPEN = 2
PRIORITY_LOW = 1
MAX_SEARCH_PAGES = 10  # Freshdesk pages search results 30 at a time, up to 10 pages


class FreshdeskConnector:
    """The CRM port over one Freshdesk account."""

    provider = "freshdesk"

    def __init__(self, base_url: str, api_key: str, *, timeout_s: float) -> None:
        self.base_url = check_base_url(base_url)
        # Any password works with an API key; Freshdesk's documentation uses "X".
        self._client = make_client(f"{self.base_url}/api/v2/", (api_key, "X"), timeout_s)

    def close(self) -> None:
        """Release the connection pool."""
        self._client.close()

    def whoami(self) -> Whoami:
        """The agent whose key this is (``GET agents/me``)."""
        me = self._json("GET", "agents/me")
        contact = me.get("contact") if isinstance(me.get("contact"), dict) else me
        return Whoami(str(contact.get("name") or ""), str(contact.get("email") or ""))

    def find_contacts(self, numbers: list[str]) -> list[CrmContact]:
        """Contacts whose phone or mobile is one of the shapes of the number, newest first."""
        clauses = [f"phone:'{n}' OR mobile:'{n}'" for n in numbers if _is_searchable(n)]
        if not clauses:
            return []
        query = '"' + " OR ".join(clauses) + '"'
        found: dict[str, CrmContact] = {}
        for page in range(1, MAX_SEARCH_PAGES + 1):
            body = self._json("GET", "search/contacts", params={"query": query, "page": page})
            results = body.get("results") if isinstance(body, dict) else None
            if not isinstance(results, list):
                raise CrmError(NOT_A_HELPDESK, "search answered without results")
            for row in results:
                contact = self._contact(row)
                found[contact.ref] = contact
            if not results or len(found) >= int(body.get("total") or 0):
                break
        return newest_first(found.values())

    def latest_tickets(self, contact: CrmContact, limit: int = 5) -> list[CrmTicket]:
        """The requester's tickets ordered by ``updated_at`` descending."""
        params = {
            "requester_id": contact.ref,
            "order_by": "updated_at",
            "order_type": "desc",
            "per_page": limit,
        }
        rows = self._json("GET", "tickets", params=params)
        if not isinstance(rows, list):
            raise CrmError(NOT_A_HELPDESK, "tickets answered without a list")
        return [self._ticket(row) for row in rows[:limit]]

    def create_contact(self, name: str, phone: str) -> CrmContact:
        """``POST contacts`` with the name and the number as phone."""
        return self._contact(self._json("POST", "contacts", json={"name": name, "phone": phone}))

    def rename_contact(self, contact_ref: str, name: str) -> CrmContact:
        """``PUT contacts/<id>`` with the new name."""
        return self._contact(self._json("PUT", f"contacts/{int(contact_ref)}", json={"name": name}))

    def create_ticket(self, contact: CrmContact, subject: str, body: str) -> CrmTicket:
        """An open, low-priority ticket from the phone channel, requested by the contact."""
        payload = {
            "subject": subject,
            "description": body,
            "requester_id": int(contact.ref),
            "status": STATUS_OPEN,
            "priority": PRIORITY_LOW,
            "source": SOURCE_PHONE,
        }
        return self._ticket(self._json("POST", "tickets", json=payload))

    def add_private_note(self, ticket_ref: str, body: str) -> None:
        """``POST tickets/<id>/notes`` with ``private: true`` (HTML body)."""
        self._json("POST", f"tickets/{int(ticket_ref)}/notes", json={"body": body, "private": True})

    def ticket_url(self, ticket_ref: str) -> str:
        """The agent's page of the ticket."""
        return f"{self.base_url}/a/tickets/{ticket_ref}"

    def display_ticket(self, agent_email: str, ticket_ref: str) -> bool:
        """Freshdesk has no API to open a ticket in the agent's screen: a browser tab does."""
        return False

    def display_user(self, agent_email: str, contact_ref: str) -> bool:
        """Freshdesk has no API to open a contact in the agent's screen: a browser tab does."""
        return False

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return send(self._client, method, path, **kwargs)

    def _contact(self, row: Any) -> CrmContact:
        if not isinstance(row, dict) or "id" not in row:
            raise CrmError(NOT_A_HELPDESK, "a contact without an id")
        return CrmContact(
            ref=str(row["id"]),
            name=str(row.get("name") or ""),
            phone=str(row.get("phone") or row.get("mobile") or ""),
            email=str(row.get("email") or ""),
            url=f"{self.base_url}/a/contacts/{row['id']}",
            updated_at=parse_time(row.get("updated_at")),
        )

    def _ticket(self, row: Any) -> CrmTicket:
        if not isinstance(row, dict) or "id" not in row:
            raise CrmError(NOT_A_HELPDESK, "a ticket without an id")
        status = row.get("status")
        return CrmTicket(
            ref=str(row["id"]),
            subject=str(row.get("subject") or ""),
            status=STATUSES.get(status, str(status)) if isinstance(status, int) else str(status),
            updated_at=parse_time(row.get("updated_at")),
            url=self.ticket_url(str(row["id"])),
        )


def _is_searchable(number: str) -> bool:
    # The number goes inside a quoted query: digits and a leading + only.
    return bool(number) and number.lstrip("+").isdigit()
