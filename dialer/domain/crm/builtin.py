"""The product's own CRM, the default: its contacts, and the XCM reports as the tickets."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.domain.crm.port import NOT_FOUND, CrmContact, CrmError, CrmTicket, Whoami
from dialer.models import Contact, XcmReport


class BuiltinConnector:
    """The CRM port over our own tables; it never leaves the database, so it never times out.

    The built-in CRM has no tickets of its own: the XCM reports of the contact's
    earlier calls stand for them, and the call's link row is the record of the
    agent's choice, so a note or a new ticket has nothing further to write.
    """

    provider = "builtin"

    def __init__(self, session: Session) -> None:
        self.session = session

    def whoami(self) -> Whoami:
        """The built-in CRM answers as itself."""
        return Whoami("built-in CRM")

    def find_contacts(self, numbers: list[str]) -> list[CrmContact]:
        """The contact stored under one of the shapes of the number (numbers are unique)."""
        rows = self.session.scalars(select(Contact).where(Contact.phone.in_(numbers or [""])))
        return [_contact(row) for row in rows]

    def latest_tickets(self, contact: CrmContact, limit: int = 5) -> list[CrmTicket]:
        """The contact's XCM reports, newest first."""
        reports = self.session.scalars(
            select(XcmReport)
            .where(XcmReport.contact_id == int(contact.ref))
            .order_by(XcmReport.created_at.desc(), XcmReport.id.desc())
            .limit(limit)
        )
        return [
            CrmTicket(
                ref=str(report.id),
                subject=" ".join(report.note.split())[:80],
                status=report.category,
                updated_at=report.created_at,
            )
            for report in reports
        ]

    def create_contact(self, name: str, phone: str) -> CrmContact:
        """A contact row with that name and number."""
        row = Contact(phone=phone, name=name)
        self.session.add(row)
        self.session.flush()
        return _contact(row)

    def rename_contact(self, contact_ref: str, name: str) -> CrmContact:
        """The contact row under its new name."""
        row = self.session.get(Contact, int(contact_ref))
        if row is None:
            raise CrmError(NOT_FOUND, f"contact {contact_ref}")
        row.name = name
        self.session.flush()
        return _contact(row)

    def create_ticket(self, contact: CrmContact, subject: str, body: str) -> CrmTicket:
        """Nothing to create: the call's link row is the built-in ticket."""
        return CrmTicket(ref="", subject=subject, status="")

    def add_private_note(self, ticket_ref: str, body: str) -> None:
        """Nothing to write: the call and its report are already in the database."""

    def ticket_url(self, ticket_ref: str) -> str:
        """The built-in CRM has no ticket pages."""
        return ""

    def display_ticket(self, agent_email: str, ticket_ref: str) -> bool:
        """The agent is already on the product's own screen."""
        return False

    def display_user(self, agent_email: str, contact_ref: str) -> bool:
        """The agent is already on the product's own screen."""
        return False


def _contact(row: Contact) -> CrmContact:
    return CrmContact(
        ref=str(row.id),
        name=row.name,
        phone=row.phone,
        email=row.email,
        updated_at=row.updated_at,
    )
