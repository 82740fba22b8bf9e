"""The sentences behind the domain's stable codes, in the agent's language, with HTTP statuses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from dialer.domain.campaigns import answers as survey_answers
from dialer.domain.campaigns import dispositions
from dialer.domain.campaigns import drafts as survey_drafts
from dialer.domain.dialing import callbacks, compliance, progressive, wrapup
from dialer.domain.dialing import outbound as dialing
from dialer.domain.dialing.compliance import Refusal, zone_named
from dialer.domain.errors import DomainError
from dialer.domain.people import agents
from dialer.i18n import state_label
from dialer.models import CampaignStatus
from dialer.timefmt import to_local
from dialer.web.refusals import Described

# code: (HTTP status, message). Messages take their %(name)s values from the error's params.
REFUSALS: dict[str, tuple[int, Any]] = {
    agents.NOT_SIGNED_IN: (409, _l("You are not signed in on an extension. Sign in again.")),
    agents.WRONG_STATE: (409, _l("Not possible while your state is %(state)s.")),
    agents.REASON_REQUIRED: (422, _l("Pick a pause reason first.")),
    agents.UNKNOWN_REASON: (422, _l("This pause reason is not on the list.")),
    agents.EXTENSION_UNAVAILABLE: (
        409,
        _l(
            "Your extension %(extension)s is not registered or cannot be reached on the PBX."
            " Check your phone; calling is blocked until it is back."
        ),
    ),
    agents.UNKNOWN_AGENT: (404, _l("No such agent.")),
    dialing.UNKNOWN_CAMPAIGN: (404, _l("No such campaign.")),
    dialing.NOT_ASSIGNED: (403, _l("You are not assigned to this campaign.")),
    dialing.LEAD_NOT_HELD: (409, _l("This lead is not yours to call. Press Get Lead.")),
    dialing.CALL_IN_PROGRESS: (
        409,
        _l("A call to this lead is still up. Hang it up or wait for it to end."),
    ),
    dialing.INVALID_NUMBER: (422, _l("This is not a phone number that can be dialled.")),
    dialing.UNKNOWN_CALL: (404, _l("No such call.")),
    dialing.CALL_OVER: (409, _l("This call is already over.")),
    compliance.BLACKLISTED: (422, _l("This number is on the blacklist and must not be called.")),
    compliance.MAX_ATTEMPTS_REACHED: (409, _l("This lead has used all its attempts.")),
    compliance.OUTSIDE_CALLING_HOURS: (409, _l("Outside calling hours until %(until)s.")),
    compliance.CAMPAIGN_NOT_RUNNING: (409, _l("The campaign is not running.")),
    survey_answers.NO_SURVEY: (409, _l("This call has no survey.")),
    survey_answers.ALREADY_SAVED: (409, _l("The survey of this call is already saved.")),
    survey_drafts.DRAFT_INVALID: (422, _l("The answers typed so far could not be kept.")),
    wrapup.SURVEY_UNSAVED: (
        409,
        _l("The survey of this call is not saved. Save it, or say that you leave it unsaved."),
    ),
    dispositions.UNKNOWN_DISPOSITION: (422, _l("This disposition is not on the campaign's list.")),
    dispositions.CALL_NOT_OVER: (409, _l("Pick the disposition once the call is over.")),
    dispositions.ALREADY_DISPOSED: (409, _l("This call already has a disposition.")),
    callbacks.CALLBACK_TIME_REQUIRED: (422, _l("Pick the date and time to call back.")),
    callbacks.CALLBACK_IN_THE_PAST: (422, _l("That time has passed. Pick a later time.")),
    callbacks.CALLBACK_OUTSIDE_HOURS: (
        422,
        _l("That time is outside the calling hours. The next allowed time is %(until)s."),
    ),
    callbacks.CALLBACK_UNKNOWN_ZONE: (
        422,
        _l("The customer's time zone is unknown, so no callback can be booked."),
    ),
    progressive.NOT_PROGRESSIVE: (409, _l("This campaign does not dial for you: press Get Lead.")),
    progressive.NO_COUNTDOWN: (
        409,
        _l("No call was counting down (stopped, paused or already dialled). Nothing was dialled."),
    ),
    progressive.COUNTDOWN_RUNNING: (409, _l("The next call starts in %(seconds)s s.")),
    survey_answers.KEY_REQUIRED: (400, _l("Send an Idempotency-Key header (up to 80 characters).")),
}

QUESTION_PROBLEMS: dict[str, Any] = {
    survey_answers.REQUIRED: _l("This question needs an answer."),
    survey_answers.NOT_A_CHOICE: _l("Pick one of the choices."),
    survey_answers.NOT_A_NUMBER: _l("Enter a number."),
    survey_answers.OUT_OF_RANGE: _l("Enter a whole number from 1 to 5."),
    survey_answers.NOT_YES_NO: _l("Answer yes or no."),
    survey_answers.TOO_LONG: _l("Keep the answer under 2000 characters."),
}


def format_until(until: datetime | None, zone_name: str | None) -> str:
    """A time the agent can read: 08:00 today, or the date too when it is another day."""
    if until is None:
        return _("further notice")
    zone = zone_named(zone_name)
    shown = until.astimezone(zone) if zone is not None else to_local(until)
    today = datetime.now(shown.tzinfo).date()
    if shown.date() == today:
        return shown.strftime("%H:%M")
    return shown.strftime("%Y-%m-%d %H:%M")


def error_message(code: str, params: dict[str, Any]) -> tuple[int, str]:
    """The HTTP status and the agent's sentence for a domain error code."""
    status, message = REFUSALS.get(code, (409, _l("This action is not possible now.")))
    values = dict(params)
    if "state" in values:
        values["state"] = state_label(str(values["state"]))
    if code in (compliance.OUTSIDE_CALLING_HOURS, callbacks.CALLBACK_OUTSIDE_HOURS):
        values["until"] = format_until(values.get("until"), values.get("zone"))
    return status, str(message) % values if "%(" in str(message) else str(message)


def refusal_message(refusal: Refusal, campaign_status: str = "") -> str:
    """Why Get Lead found nothing, in a sentence."""
    code = refusal.code
    if code == compliance.CAMPAIGN_NOT_RUNNING:
        if campaign_status == CampaignStatus.PAUSED:
            return _("The campaign is paused.")
        return _("The campaign is not running.")
    if code == compliance.NO_LEADS_LEFT:
        return _("No leads left in this campaign.")
    if code == compliance.OUTSIDE_CALLING_HOURS:
        return _(
            "Outside calling hours until %(until)s.",
            until=format_until(refusal.until, refusal.zone),
        )
    if code == compliance.NEXT_RETRY_LATER:
        return _(
            "No lead is due yet; the next one is due at %(until)s.",
            until=format_until(refusal.until, refusal.zone),
        )
    return _("Other agents hold the remaining leads. Try again in a moment.")


def question_problems(errors: dict[int, str]) -> dict[str, str]:
    """Each question's problem as a sentence, keyed by question id."""
    return {str(qid): str(QUESTION_PROBLEMS.get(code, code)) for qid, code in errors.items()}


def agent_refusal(error: DomainError) -> Described:
    """An agent action refused, with the state and the calling hours in words."""
    status, message = error_message(error.code, error.params)
    return Described(status, message)


def invalid_answers(invalid: survey_answers.SurveyInvalid) -> Described:
    """Answers refused, each question's problem as a sentence."""
    return Described(
        422, _("Some answers need attention."), {"errors": question_problems(invalid.errors)}
    )


DESCRIBERS: dict[type, Any] = {
    agents.AgentError: agent_refusal,
    dispositions.DispositionError: agent_refusal,
    callbacks.CallbackError: agent_refusal,
    survey_answers.SurveyInvalid: invalid_answers,
}
