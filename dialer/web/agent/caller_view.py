"""The caller view as a page of its own (I2-I4), and the inbound words in the user's language."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from dialer.access import ALL_STAFF, roles
from dialer.domain.contacts import directory as contacts
from dialer.domain.contacts import history
from dialer.domain.contacts import xcm as notes
from dialer.extensions import db
from dialer.models import Call, User, XcmReport
from dialer.timefmt import local_zone
from dialer.web import limits
from dialer.web.refusals import Described

bp = Blueprint("inbound", __name__, url_prefix="/inbound")

CATEGORY_LABELS = {
    "information": _l("Information request"),
    "complaint": _l("Complaint"),
    "support": _l("Technical support"),
    "sales": _l("Sales enquiry"),
    "other": _l("Other"),
}


@bp.get("/calls/<int:call_id>")
@roles(*ALL_STAFF)
def caller_view(call_id: int) -> str:
    call = db.session.get(Call, call_id)
    if not contacts.may_see_call(db.session, current_user, call):
        abort(404)
    assert call is not None
    # One's own past call shows its own report; the caller's history and contact only
    # while the number is open to this user (see contacts.may_see_number), each view logged.
    contact, found = None, history.PhonePage(rows=[], page=1, has_more=False)
    if contacts.may_see_number(db.session, current_user, call.customer_number):
        page = limits.parse_page(request.args.get("page", "1")) or 1
        found = history.phone_history(db.session, call.customer_number, page=page)
        contact = call.contact or contacts.find_contact(db.session, call.customer_number)
        contacts.record_view(
            db.session, current_user, call.customer_number, "caller_view", call_id=call.id
        )
        db.session.commit()
    return render_template(
        "inbound/call.html",
        call=call,
        contact=contact,
        report=notes.report_for_call(db.session, call.id),
        phone=found,
        zone=local_zone(),
        categories=CATEGORY_LABELS,
    )


@bp.app_template_global("xcm_categories")
def xcm_categories() -> dict[str, str]:
    """The report's request types, code to label, in the page's language."""
    return {code: str(label) for code, label in CATEGORY_LABELS.items()}


@bp.app_template_global("inbound_texts")
def panel_texts() -> dict[str, str]:
    """The words inbound.js shows, in the page's language."""
    return {
        "incoming": _("Incoming call"),
        "connected": _("Connected"),
        "ended": _("Call ended"),
        "answered_elsewhere": _("Answered by another agent"),
        "unknown_caller": _("Unknown caller"),
        "hidden_number": _("Hidden number"),
        "vip": _("VIP"),
        "vip_alert": _("VIP caller"),
        "saved": _("Saved."),
        "save_failed": _("Not saved: %(reason)s", reason="{reason}"),
        "network": _("The server did not answer. Try again."),
        "no_calls": _("No earlier calls."),
        "no_report": _("No report was saved with this call."),
        "in_progress": _("In progress"),
        "inbound": _("Inbound"),
        "outbound": _("Outbound"),
        "contact_created": _("Contact created."),
        "contact_updated": _("Contact updated."),
    }


def contact_errors(errors: dict[str, str]) -> dict[str, str]:
    """Each bad contact field with a sentence saying what is wrong."""
    sentences = {
        "too_long": _("This is too long."),
        "not_text": _("Give this as text."),
        "invalid_email": _("Enter an email address like name@example.com."),
        "missing_number": _("The caller's number is hidden: there is no number to save."),
    }
    return {field: sentences.get(code, code) for field, code in errors.items()}


def invalid_contact(refused: contacts.ContactInvalid) -> Described:
    """A contact that was not saved, each bad field with its sentence."""
    errors = contact_errors(refused.errors)
    return Described(422, _("Check the highlighted fields."), {"errors": errors})


def xcm_refusal(refused: notes.XcmRefused) -> Described:
    """Sentence, HTTP status, extra fields and API code for a report that was not saved."""
    if refused.code == notes.INVALID:
        sentences = {
            "choose_category": _("Choose the type of request."),
            "required": _("Write the note."),
            "too_long": _("The note is too long (4000 characters at most)."),
        }
        errors = {field: sentences.get(code, code) for field, code in refused.errors.items()}
        return Described(422, _("Check the highlighted fields."), {"errors": errors})
    if refused.code == notes.ALREADY_SAVED:
        extra = {"report": notes.report_json(refused.report)} if refused.report else {}
        return Described(409, _("A report was already saved for this call."), extra)
    if refused.code == notes.KEY_REUSED:
        return Described(409, _("This Idempotency-Key was used for another call."))
    if refused.code == notes.BAD_KEY:
        return Described(400, _("Send an Idempotency-Key header (at most 80 characters)."))
    return Described(404, _("Not found."), code="not_found")


# The caller view's refusals, whose sentences name the fields at fault.
DESCRIBERS: dict[type, Any] = {
    contacts.ContactInvalid: invalid_contact,
    notes.XcmRefused: xcm_refusal,
}


def report_view(report: XcmReport) -> dict[str, Any]:
    """A saved report with what its reader needs: the call, the agent, the category in words."""
    call = db.session.get(Call, report.call_id)
    agent = db.session.get(User, report.agent_id)
    local = report.created_at.astimezone(local_zone())
    return notes.report_json(report) | {
        "category_label": str(CATEGORY_LABELS.get(report.category, report.category)),
        "agent_name": agent.display_name if agent else "",
        "number": call.customer_number if call else "",
        "direction": call.direction if call else "",
        "saved_at": local.strftime("%Y-%m-%d %H:%M"),
    }
