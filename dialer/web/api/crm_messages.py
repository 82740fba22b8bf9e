"""The helpdesk's refusals and problems in the user's language, with HTTP statuses."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from dialer.domain.crm import links, port, secrets, settings

NOT_ANSWERING = _l("Helpdesk not answering. The call is saved; try again in a moment.")

# code: (HTTP status, sentence)
REFUSALS: dict[str, tuple[int, Any]] = {
    links.ALREADY_LINKED: (
        409,
        _l("This call already has its helpdesk choice. Only one choice per call."),
    ),
    links.BAD_CHOICE: (422, _l("Choose the latest ticket, a new ticket, or do not link.")),
    links.BAD_KEY: (400, _l("Send an Idempotency-Key header (up to 80 characters).")),
    links.KEY_REUSED: (409, _l("This Idempotency-Key was already used for another call.")),
    links.UNKNOWN_CALL: (404, _l("No such call.")),
    links.NO_CONTACT: (409, _l("There is no helpdesk contact on this call yet.")),
    links.NAME_REQUIRED: (422, _l("Enter a name of up to 160 characters.")),
    settings.INVALID: (422, _l("Some settings need attention.")),
    secrets.KEY_MISSING: (
        503,
        _l("The helpdesk credentials cannot be read: DIALER_CRM_KEY is not set."),
    ),
    secrets.KEY_WRONG: (
        503,
        _l("The helpdesk credentials cannot be read with this DIALER_CRM_KEY."),
    ),
    port.BAD_CREDENTIALS: (502, _l("The helpdesk refused the credentials.")),
    port.NOT_A_HELPDESK: (502, _l("This address does not answer like the helpdesk.")),
    port.NOT_FOUND: (502, _l("The helpdesk no longer has this record.")),
    port.REFUSED: (502, _l("The helpdesk refused the request.")),
    port.TIMEOUT: (504, NOT_ANSWERING),
    port.UNREACHABLE: (504, NOT_ANSWERING),
    port.UNAVAILABLE: (504, NOT_ANSWERING),
    port.RATE_LIMITED: (504, NOT_ANSWERING),
}

_PROBLEMS: dict[str, Any] = {
    "not_found": _l("Not found."),
    links.NO_TICKET: _l("The contact has no ticket to link to."),
    links.TICKET_GONE: _l("The ticket was deleted in the helpdesk."),
    "gave_up": _l("The helpdesk did not answer after several tries."),
}


def panel_problem(code: str | None) -> str:
    """The sentence for a lookup problem or a failed link's reason ('' for none)."""
    if not code:
        return ""
    head = code.split(":", 1)[0]
    if head in _PROBLEMS:
        return str(_PROBLEMS[head])
    if head in REFUSALS:
        return str(REFUSALS[head][1])
    return _("The helpdesk could not be reached.")
