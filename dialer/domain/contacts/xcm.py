"""Report XCM: the agent's note and request for one call, saved exactly once (I3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dialer.domain.contacts.directory import find_contact
from dialer.domain.errors import DomainError
from dialer.domain.phones import DEFAULT_REGION
from dialer.models import Call, XcmReport

# The request types of the form; stored as these codes, shown translated.
CATEGORIES = ("information", "complaint", "support", "sales", "other")
NOTE_LIMIT = 4000
KEY_LIMIT = 80

NOT_FOUND = "not_found"
BAD_KEY = "bad_idempotency_key"
KEY_REUSED = "idempotency_key_reused"
ALREADY_SAVED = "xcm_already_saved"
INVALID = "invalid"


class XcmRefused(DomainError):
    """The report was not saved; ``code`` is stable, ``errors`` names bad fields."""

    def __init__(
        self, code: str, errors: dict[str, str] | None = None, report: XcmReport | None = None
    ) -> None:
        super().__init__(code)
        self.errors = errors or {}
        self.report = report


@dataclass(frozen=True)
class XcmSaved:
    report: XcmReport
    created: bool  # False when this key had already saved it


def save_xcm(
    session: Session,
    call_id: int,
    agent_id: int,
    idempotency_key: str,
    *,
    category: str,
    note: str,
    region: str = DEFAULT_REGION,
) -> XcmSaved:
    """Save the call's one report, tied to the call, its contact and the agent; a repeat is a no-op.

    The call row is locked first, so two requests for the same call (a double
    click, a retry after a timeout) are served one after the other: the second
    finds the first's report by its key and returns it.
    """
    key = (idempotency_key or "").strip()
    if not key or len(key) > KEY_LIMIT:
        raise XcmRefused(BAD_KEY)
    call = _locked_call(session, call_id)
    if call is None or call.agent_id != agent_id:
        raise XcmRefused(NOT_FOUND)
    existing = _by_key(session, key)
    if existing is not None:
        return _replayed(existing, call)
    _validate(category, note)
    earlier = session.scalar(select(XcmReport).where(XcmReport.call_id == call.id).limit(1))
    if earlier is not None:
        raise XcmRefused(ALREADY_SAVED, report=earlier)
    contact = call.contact or find_contact(session, call.customer_number, region)
    report = XcmReport(
        call_id=call.id,
        contact_id=contact.id if contact else None,
        agent_id=agent_id,
        category=category,
        note=note.strip(),
        idempotency_key=key,
    )
    session.add(report)
    session.flush()
    if contact is not None and call.contact_id is None:
        call.contact_id = contact.id
    return XcmSaved(report, True)


def report_for_call(session: Session, call_id: int) -> XcmReport | None:
    """The report saved with a call, if any."""
    return session.scalar(
        select(XcmReport).where(XcmReport.call_id == call_id).order_by(XcmReport.id).limit(1)
    )


def report_json(report: XcmReport) -> dict[str, Any]:
    """The report as the screens and the API show it."""
    return {
        "id": report.id,
        "call_id": report.call_id,
        "contact_id": report.contact_id,
        "agent_id": report.agent_id,
        "category": report.category,
        "note": report.note,
        "created_at": report.created_at.isoformat() if report.created_at else None,
    }


def _locked_call(session: Session, call_id: int) -> Call | None:
    # A no-op UPDATE locks the row on PostgreSQL and takes SQLite's write lock, which
    # has no row locks and ignores FOR UPDATE: the check-then-insert below is serialised.
    session.execute(
        update(Call)
        .where(Call.id == call_id)
        .values(state=Call.state)
        .execution_options(synchronize_session=False)
    )
    return session.get(Call, call_id, populate_existing=True)


def _by_key(session: Session, key: str) -> XcmReport | None:
    return session.scalar(select(XcmReport).where(XcmReport.idempotency_key == key))


def _replayed(existing: XcmReport, call: Call) -> XcmSaved:
    if existing.call_id != call.id:
        raise XcmRefused(KEY_REUSED)
    return XcmSaved(existing, False)


def _validate(category: str, note: str) -> None:
    errors = {}
    if category not in CATEGORIES:
        errors["category"] = "choose_category"
    if not (note or "").strip():
        errors["note"] = "required"
    elif len(note) > NOTE_LIMIT:
        errors["note"] = "too_long"
    if errors:
        raise XcmRefused(INVALID, errors)
