"""The sentences of the manager's reports: refusals and the labels their scripts show."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from dialer.domain.dialing.compliance import Refusal
from dialer.domain.exports import agent_report as agent_export
from dialer.domain.reports import periods
from dialer.i18n import state_label
from dialer.web.agent.desk_text import STATES
from dialer.web.api.messages import refusal_message

REFUSALS: dict[str, tuple[int, Any]] = {
    periods.RANGE_TOO_LONG: (400, _l("Pick a range of at most %(days)s days.")),
    agent_export.FORMAT_UNKNOWN: (400, _l("%(format)s is not a file format: pick csv or xlsx.")),
}


def why_not_sentence(why_not: dict[str, Any] | None, campaign_status: str) -> str:
    """Why no lead is dialable now, in the viewer's language (empty when some are)."""
    if why_not is None:
        return ""
    until = datetime.fromisoformat(why_not["until"]) if why_not.get("until") else None
    return refusal_message(Refusal(why_not["code"], until, why_not.get("zone")), campaign_status)


def dashboard_text() -> dict[str, Any]:
    """Every label the dashboard's script draws with."""
    return {
        "states": {state: state_label(state) for state in STATES},
        "statuses": {
            "ANSWER": _("Answered"),
            "BUSY": _("Busy"),
            "NOANSWER": _("No answer"),
            "CANCEL": _("Cancelled"),
            "FAIL": _("Failed"),
            "MACHINE": _("Answering machine"),
        },
        "calls": _("Calls"),
        "no_calls": _("No calls yet."),
        "no_agents": _("No agent of this campaign is signed in."),
        "dialable_yes": _("Leads can be dialled now."),
        "live": _("Live"),
        "offline": _("Connection lost. Retrying..."),
    }
