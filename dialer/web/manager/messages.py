"""The words a manager reads for each refusal of the campaign, survey, import, blacklist rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from dialer.domain.campaigns.blacklist import BlacklistError
from dialer.domain.campaigns.lifecycle import CampaignError, Missing
from dialer.domain.campaigns.surveys import SurveyError
from dialer.domain.leads import manage
from dialer.domain.leads.columns import MappingError
from dialer.domain.leads.terms import UnreadableFile
from dialer.domain.reports import filters as report_filters
from dialer.models import ImportStatus
from dialer.web.refusals import Described


def missing_label(missing: str) -> str:
    """What a campaign lacks before it may start, in words."""
    labels = {
        Missing.CALLER_ID: _("a caller id"),
        Missing.SURVEY: _("a survey"),
        Missing.LEADS: _("at least one lead that can be called"),
    }
    return labels.get(missing, missing)  # type: ignore[call-overload]


def import_status(status: str) -> str:
    """An import's status in words."""
    labels = {
        ImportStatus.UPLOADED: _("waiting for the columns"),
        ImportStatus.QUEUED: _("waiting for a worker"),
        ImportStatus.RUNNING: _("importing"),
        ImportStatus.DONE: _("done"),
        ImportStatus.FAILED: _("failed"),
    }
    return labels.get(status, status)


def day_names(days: str) -> str:
    """ISO weekday digits ("12345") as short day names."""
    names = {
        "1": _("Mon"),
        "2": _("Tue"),
        "3": _("Wed"),
        "4": _("Thu"),
        "5": _("Fri"),
        "6": _("Sat"),
        "7": _("Sun"),
    }
    return ", ".join(names[d] for d in days if d in names)


def delimiter_label(delimiter: str | None) -> str:
    """The delimiter as a word."""
    labels = {",": _("comma"), ";": _("semicolon"), "\t": _("tab"), "|": _("pipe")}
    return labels.get(delimiter or "", delimiter or "—")


def campaign_error(error: CampaignError) -> str:
    """A refused campaign change, in words."""
    if error.code == "not_ready":
        missing = ", ".join(missing_label(m) for m in error.values["missing"])
        return _("The campaign cannot start yet. It needs %(missing)s.", missing=missing)
    texts = {
        "name_missing": _("Give the campaign a name."),
        "name_taken": _("Another campaign already has this name."),
        "caller_id_invalid": _("The caller id is not a valid phone number."),
        "zone_unknown": _("This is not a time zone name (for example Asia/Ho_Chi_Minh)."),
        "days_missing": _("Pick at least one calling day."),
        "hours_backwards": _("Calling hours must end after they start."),
        "attempts_range": _("Max attempts must be between 1 and %(max)s.", max=20),
        "ring_no_answer_range": _(
            "Unanswered calls before a pause must be between 0 and %(max)s.", max=10
        ),
        "retry_range": _("Retry delays must be between 0 and 10080 minutes."),
        "retry_outcome": _("Unknown call outcome in the retry delays."),
        "survey_unknown": _("This survey does not exist."),
        "not_running": _("Only a running campaign can be paused."),
        "not_started": _("Only a running or paused campaign can be stopped."),
        "agent_unknown": _("Only agents can be assigned to a campaign."),
        "dial_mode_unknown": _("Pick preview, progressive or predictive dialing."),
        "countdown_range": _("The countdown must be between 0 and %(max)s seconds.", max=120),
        "amd_action_unknown": _("Pick what happens when an answering machine picks up."),
        "dial_queue_unknown": _("Pick an enabled queue for the answered customers to wait in."),
        "abandon_cap_range": _(
            "The abandon cap must be between %(low)s and %(high)s percent.", low=0.1, high=10
        ),
        "sound_invalid": _(
            "The abandon message is a sound file name: letters, digits, -, _ and / only."
        ),
    }
    return texts.get(error.code, str(error))


def dial_mode_label(mode: str) -> str:
    """A dial mode in words."""
    texts = {
        "preview": _("Preview"),
        "progressive": _("Progressive"),
        "predictive": _("Predictive"),
    }
    return texts.get(mode, mode)


def status_changed(action: str) -> str:
    """The confirmation after start, pause or stop."""
    texts = {
        "start": _("The campaign is running."),
        "pause": _("The campaign is paused."),
        "stop": _("The campaign is stopped."),
    }
    return texts[action]


def unreadable(error: UnreadableFile) -> str:
    """Why a file could not be read at all; nothing was imported."""
    texts = {
        "empty": _("The file is empty."),
        "binary": _("This is not a text or spreadsheet file."),
        "unknown_encoding": _(
            "The file's text encoding is not recognised. Save it as CSV UTF-8 and upload it again."
        ),
        "xls": _("Excel 97-2003 (.xls) files are not supported. Save it as .xlsx or CSV."),
        "ods": _("OpenDocument spreadsheets are not supported. Save it as .xlsx or CSV."),
        "bad_xlsx": _("The spreadsheet is damaged and cannot be opened."),
        "not_xlsx": _("This zip archive is not an Excel workbook."),
        "zip_bomb": _(
            "The workbook unpacks to far more than a lead list can hold; it was refused."
        ),
        "sheet_too_large": _(
            "The sheet is larger than allowed. Delete empty formatted rows and columns, "
            "or save it as CSV."
        ),
        "too_many_rows": _("The file has more rows than allowed."),
        "too_many_columns": _("The file has more columns than allowed."),
        "bad_header": _("The header line cannot be read."),
    }
    return _("Nothing was imported: %(why)s", why=texts.get(error.code, str(error)))


def mapping_or_file_error(error: MappingError | UnreadableFile) -> str:
    """A mapping that cannot be used, in words."""
    if isinstance(error, UnreadableFile):
        return unreadable(error)
    texts = {
        "no_phone": _("Choose the column that holds the phone numbers."),
        "field_twice": _("Two columns are mapped to the same field."),
        "already_started": _("This import has already started."),
    }
    return texts.get(error.code, _("This mapping cannot be used."))


def survey_error(error: SurveyError) -> str:
    """A survey the designer cannot save, in words."""
    texts = {
        "no_questions": _("Add at least one question."),
        "too_many": _("A survey has at most 100 questions."),
        "kind_unknown": _("Question %(n)s has an unknown type.", n=error.position),
        "text_missing": _("Question %(n)s has no text.", n=error.position),
        "options_missing": _("Question %(n)s needs two or more options.", n=error.position),
        "options_too_many": _("Question %(n)s has too many options.", n=error.position),
        "name_missing": _("Give the survey a name."),
    }
    return texts.get(error.code, str(error))


def blacklist_error(error: BlacklistError) -> str:
    """A number that cannot be blacklisted, in words."""
    texts = {
        "missing_phone": _("Enter a phone number."),
        "not_a_phone": _("This is not a phone number."),
        "invalid_number": _("This phone number is not valid."),
        "already": _("This number is already blacklisted."),
    }
    return texts.get(error.code, str(error))


def _described(words: Callable[[Any], str]) -> Callable[[Any], Described]:
    return lambda error: Described(409, words(error))


# The manager's refusals whose sentences need more than a lookup by code (codes overlap).
DESCRIBERS: dict[type, Callable[[Any], Described]] = {
    CampaignError: _described(campaign_error),
    SurveyError: _described(survey_error),
    BlacklistError: _described(blacklist_error),
    UnreadableFile: _described(unreadable),
    MappingError: _described(mapping_or_file_error),
}


# code: (HTTP status, sentence); the sentences take their %(name)s values from the error.
REFUSALS: dict[str, Any] = {
    report_filters.BAD_DATE: (400, _l("%(value)s is not a date. Give it as YYYY-MM-DD.")),
    report_filters.DATES_BACKWARDS: (
        400,
        _l("The date range is upside down: %(date_from)s is after %(date_to)s."),
    ),
    report_filters.AGENT_UNKNOWN: (400, _l("There is no agent %(agent)s.")),
    report_filters.STATUS_UNKNOWN: (400, _l("%(status)s is not a status.")),
    report_filters.CAMPAIGN_UNKNOWN: (404, _l("There is no campaign %(campaign)s.")),
    report_filters.DIRECTION_UNKNOWN: (400, _l("%(direction)s is not a call direction.")),
    report_filters.BAD_CURSOR: (400, _l("This page link is damaged. Start from the first page.")),
    manage.LEAD_HELD: (
        409,
        _l("An agent holds %(phone)s right now. Try again when the call is over."),
    ),
    manage.LEAD_UNKNOWN: (404, _l("This lead is not in the campaign.")),
}
