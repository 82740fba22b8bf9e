"""The sentences the desktop's script shows, in the page's language."""

from __future__ import annotations

from flask_babel import gettext as _

from dialer.i18n import state_label
from dialer.models import AgentState, CallState

STATES = tuple(AgentState)
CALL_STATES = tuple(CallState)


def call_state_label(state: str) -> str:
    """A call's progress as the agent reads it."""
    labels = {
        "queued": _("Setting up the call..."),
        # The Originate rings the agent's phone at once; the PBX reports that ringing only
        # when the phone answers or gives up (no channelvars), so "sent" is already ringing.
        "originating": _("Your phone is ringing: pick it up"),
        "ringing": _("Your phone is ringing: pick it up"),
        "dialing": _("Dialling the customer..."),
        "connected": _("Connected to the customer"),
        "ended": _("Call ended"),
    }
    return labels.get(state, state)


def desk_text() -> dict[str, object]:
    """Every label and message desktop.js needs."""
    return {
        "states": {state: state_label(state) for state in STATES},
        "call_states": {state: call_state_label(state) for state in CALL_STATES},
        "statuses": {
            "ANSWER": _("Answered"),
            "BUSY": _("Busy"),
            "NOANSWER": _("No answer"),
            "CANCEL": _("Cancelled"),
            "FAIL": _("Failed"),
            "MACHINE": _("Answering machine"),
        },
        "next_call_in": _("Next call in %(seconds)s s"),
        "countdown_stopped": _("Countdown stopped: the lead stays with you. Press Call to call."),
        "answering_machine": _("Answering machine: the customer's voicemail answered."),
        "timer_paused": _("Paused for"),
        "timer_worked": _("Time worked"),
        "timer_talk": _("Talk time"),
        "timer_ringing": _("Setting up"),
        "timer_wrapup": _("After call"),
        "call_ended": _("Call ended: %(status)s"),
        "survey_saved": _("Survey saved. You are Ready for the next lead."),
        "survey_saved_in_call": _("Survey saved."),
        "disposition_saved": _("Disposition saved."),
        "callback_booked": _("Callback booked for %(when)s."),
        "pick_disposition": _("Pick a disposition first."),
        "callback_zone": _("In the customer's time: %(zone)s, calling hours %(hours)s."),
        "agent_leg": {
            "no_answer": _("Your phone did not answer. The lead is still yours: call again."),
            "busy": _("Your phone is busy. The lead is still yours: call again."),
        },
        "ring_no_answer_paused": _(
            "You are paused: your phone rang several times without an answer."
            " Press Ready when you are at your phone."
        ),
        "survey_fix": _("Some answers need attention."),
        "pick_reason": _("Pick a pause reason first."),
        "pick_campaign": _("Pick a campaign first."),
        "enter_number": _("Enter a number to call."),
        "forced_logout": _("A supervisor (%(name)s) signed you out."),
        "signed_out": _("You are signed out."),
        "replaced": _(
            "You signed in again somewhere else: your work goes on there. Close this window."
        ),
        "unavailable": _(
            "Your extension %(extension)s is not registered or cannot be reached on the PBX."
            " Check your phone; calling is blocked until it is back."
        ),
        "network": _("Connection lost. Retrying..."),
        "failed": _("Something went wrong. Try again."),
        "yes": _("Yes"),
        "no": _("No"),
        "rating_hint": _("1 = very poor, 5 = excellent"),
        "blocked_number": _("Not dialled: %(reason)s"),
        "reasons": {
            "blacklisted": _("the number is on the blacklist"),
            "outside_calling_hours": _("outside calling hours"),
            "campaign_not_running": _("the campaign is not running"),
            "max_attempts_reached": _("the lead has used all its attempts"),
            "not dialled": _("the dialer could not place the call"),
        },
    }
