"""The CRM port: what the product asks of any helpdesk, and the one error it raises.

A connector finds the contact of a number, lists their latest tickets, creates a
contact or a ticket, adds a private note, and, where the helpdesk can, shows a
ticket in the agent's own helpdesk screen. Nothing of a vendor's API leaks through.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

# Stable codes of CrmError; the edge turns each into a sentence.
BAD_CREDENTIALS = "crm_bad_credentials"
NOT_A_HELPDESK = "crm_not_a_helpdesk"
UNREACHABLE = "crm_unreachable"
TIMEOUT = "crm_timeout"
RATE_LIMITED = "crm_rate_limited"
UNAVAILABLE = "crm_unavailable"
NOT_FOUND = "crm_not_found"
REFUSED = "crm_refused"
NOT_CONFIGURED = "crm_not_configured"

# Worth another try later: the helpdesk may answer then.
TRANSIENT = frozenset({UNREACHABLE, TIMEOUT, RATE_LIMITED, UNAVAILABLE})

PROVIDERS = ("builtin", "freshdesk", "zendesk", "generic")
POPUPS = ("in-app", "browser")


class CrmError(Exception):
    """The helpdesk refused or did not answer; ``code`` is stable, ``detail`` says what it said."""

    def __init__(self, code: str, detail: str = "", *, retry_after_s: float | None = None) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.retry_after_s = retry_after_s

    @property
    def is_transient(self) -> bool:
        """True when trying again later may succeed (timeout, 429, 5xx, no connection)."""
        return self.code in TRANSIENT


@dataclass(frozen=True)
class CrmContact:
    ref: str  # the helpdesk's id
    name: str
    phone: str
    email: str = ""
    url: str = ""  # the contact's page in the helpdesk, for a browser tab
    updated_at: datetime | None = None


@dataclass(frozen=True)
class CrmTicket:
    ref: str
    subject: str
    status: str
    updated_at: datetime | None = None
    url: str = ""


@dataclass(frozen=True)
class Whoami:
    """Who the credentials belong to (``crm check``)."""

    name: str
    email: str = ""


class CrmConnector(Protocol):
    """What the domain may ask of a helpdesk; every method raises only CrmError."""

    provider: str

    def whoami(self) -> Whoami:
        """Who the configured credentials sign in as."""
        ...

    def find_contacts(self, numbers: list[str]) -> list[CrmContact]:
        """Every contact whose phone is one of ``numbers`` (shapes of one number), newest first."""
        ...

    def latest_tickets(self, contact: CrmContact, limit: int = 5) -> list[CrmTicket]:
        """The contact's tickets, most recently updated first."""
        ...

    def create_contact(self, name: str, phone: str) -> CrmContact:
        """A new contact with that name and number."""
        ...

    def rename_contact(self, contact_ref: str, name: str) -> CrmContact:
        """Give the contact another name."""
        ...

    def create_ticket(self, contact: CrmContact, subject: str, body: str) -> CrmTicket:
        """A new open phone ticket requested by the contact."""
        ...

    def add_private_note(self, ticket_ref: str, body: str) -> None:
        """A note only agents see, on the ticket (CrmError NOT_FOUND when it is gone)."""
        ...

    def ticket_url(self, ticket_ref: str) -> str:
        """The ticket's page for a browser tab ('' when there is none)."""
        ...

    def display_ticket(self, agent_email: str, ticket_ref: str) -> bool:
        """Open the ticket in the agent's own helpdesk screen; False when it cannot."""
        ...

    def display_user(self, agent_email: str, contact_ref: str) -> bool:
        """Open the contact's profile in the agent's own helpdesk screen; False when it cannot."""
        ...


def parse_time(value: Any) -> datetime | None:
    """An aware time from a helpdesk's ISO 8601 text ('Z' included), or None."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def newest_first(contacts: Iterable[CrmContact]) -> list[CrmContact]:
    """The contacts, most recently updated first (two matches for a number: the first wins)."""
    floor = datetime.min.replace(tzinfo=UTC)
    return sorted(contacts, key=lambda c: c.updated_at or floor, reverse=True)
