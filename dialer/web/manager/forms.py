"""WTForms of the manager pages: campaigns, uploads and mapping, surveys, blacklist."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    FloatField,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from dialer.domain.campaigns.dialing_settings import (
    MAX_ABANDON_CAP_PCT,
    MAX_COUNTDOWN_S,
    MIN_ABANDON_CAP_PCT,
)
from dialer.domain.campaigns.lifecycle import (
    MAX_ATTEMPTS,
    MAX_RETRY_MINUTES,
    MAX_RING_NO_ANSWER_LIMIT,
)
from dialer.domain.leads.columns import (
    CUSTOM,
    EMAIL,
    FIRST_NAME,
    FULL_NAME,
    IGNORE,
    LAST_NAME,
    PHONE,
    TIMEZONE,
)
from dialer.models import AmdAction, CallStatus, DialMode, QuestionKind
from dialer.web.forms import Form, HourMinuteField, SubForm


def weekday_choices() -> list[SelectChoice]:
    """ISO weekdays, Monday first."""
    return [
        SelectChoice("1", _l("Mon")),
        SelectChoice("2", _l("Tue")),
        SelectChoice("3", _l("Wed")),
        SelectChoice("4", _l("Thu")),
        SelectChoice("5", _l("Fri")),
        SelectChoice("6", _l("Sat")),
        SelectChoice("7", _l("Sun")),
    ]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def dial_mode_choices() -> list[SelectChoice]:
    """How a campaign dials."""
    return [
        SelectChoice(DialMode.PREVIEW, _l("Preview: the agent presses Call")),
        SelectChoice(
            DialMode.PROGRESSIVE, _l("Progressive: the next lead is dialled for the agent")
        ),
        SelectChoice(DialMode.PREDICTIVE, _l("Predictive: customers first, paced to the agents")),
    ]


def amd_action_choices() -> list[SelectChoice]:
    """What to do with a call an answering machine picked up."""
    return [
        SelectChoice(AmdAction.HANGUP, _l("Hang up and retry later")),
        SelectChoice(AmdAction.AGENT, _l("Pass it to the agent")),
    ]


def _retry(label: str) -> IntegerField:
    return IntegerField(
        label, validators=[InputRequired(), NumberRange(min=0, max=MAX_RETRY_MINUTES)]
    )


class CampaignForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Information for agents"), validators=[Length(max=4000)])
    caller_id = StringField(
        _l("Caller id"),
        validators=[Optional(), Length(max=32)],
        description=_l("The number customers see, e.g. 028 3812 3456 or +842838123456."),
    )
    survey_id = SelectField(_l("Survey"), coerce=int, validate_choice=True)
    agents = CheckboxesField(_l("Agents who work this campaign"), coerce=int)
    timezone = StringField(_l("Time zone"), validators=[DataRequired(), Length(max=64)])
    call_days = CheckboxesField(_l("Calling days"), choices=weekday_choices())
    call_start = HourMinuteField(_l("Calls from"), validators=[InputRequired()])
    call_end = HourMinuteField(_l("Calls until"), validators=[InputRequired()])
    max_attempts = IntegerField(
        _l("Max attempts per lead"), validators=[InputRequired(), NumberRange(1, MAX_ATTEMPTS)]
    )
    ring_no_answer_limit = IntegerField(
        _l("Unanswered agent calls before a pause"),
        validators=[InputRequired(), NumberRange(0, MAX_RING_NO_ANSWER_LIMIT)],
        description=_l("0 never pauses."),
    )
    retry_busy = _retry(_l("Retry after BUSY (minutes)"))
    retry_noanswer = _retry(_l("Retry after NOANSWER (minutes)"))
    retry_fail = _retry(_l("Retry after FAIL (minutes)"))
    retry_cancel = _retry(_l("Retry after CANCEL (minutes)"))
    # The dialing settings came later: a form posted without them keeps what the campaign has.
    retry_machine = IntegerField(
        _l("Retry after MACHINE (minutes)"),
        validators=[Optional(), NumberRange(min=0, max=MAX_RETRY_MINUTES)],
    )
    retry_abandon = IntegerField(
        _l("Retry after ABANDON (minutes)"),
        validators=[Optional(), NumberRange(min=0, max=MAX_RETRY_MINUTES)],
    )
    dial_mode = SelectField(_l("Dial mode"), choices=dial_mode_choices())
    progressive_countdown_s = IntegerField(
        _l("Countdown before the next call (seconds)"),
        validators=[Optional(), NumberRange(0, MAX_COUNTDOWN_S)],
        description=_l("Progressive: after the survey is saved, the next lead is dialled then."),
    )
    amd_enabled = BooleanField(_l("Detect answering machines"))
    amd_action = SelectField(_l("When a machine answers"), choices=amd_action_choices())
    dial_queue = SelectField(
        _l("Queue answered customers wait in"),
        choices=[],
        validate_choice=False,
        description=_l("Predictive: the PBX queue whose members take the calls."),
    )
    abandon_cap_pct = FloatField(
        _l("Abandoned calls allowed (percent of answered calls)"),
        validators=[Optional(), NumberRange(MIN_ABANDON_CAP_PCT, MAX_ABANDON_CAP_PCT)],
        description=_l(
            "Predictive: over the day and over 30 days; at the cap, one line per agent."
        ),
    )
    abandon_sound = StringField(
        _l("Message for an abandoned call (sound file)"),
        validators=[Length(max=120)],
        description=_l("Predictive: played to a customer no agent could take, e.g. custom/sorry."),
    )
    record_calls = BooleanField(
        _l("Record the calls"),
        description=_l("Answered calls are recorded; agents and supervisors can play them."),
    )


RETRY_FIELDS = {
    CallStatus.BUSY: "retry_busy",
    CallStatus.NOANSWER: "retry_noanswer",
    CallStatus.FAIL: "retry_fail",
    CallStatus.CANCEL: "retry_cancel",
    CallStatus.MACHINE: "retry_machine",
    CallStatus.ABANDON: "retry_abandon",
}


class UploadForm(Form):
    file = FileField(_l("Lead file (CSV, TXT or XLSX)"), validators=[FileRequired()])


def mapping_choices() -> list[SelectChoice]:
    """What a column of a lead file can be."""
    return [
        SelectChoice(PHONE, _l("Phone number")),
        SelectChoice(FULL_NAME, _l("Full name")),
        SelectChoice(LAST_NAME, _l("Family name")),
        SelectChoice(FIRST_NAME, _l("Given name")),
        SelectChoice(EMAIL, _l("Email")),
        SelectChoice(TIMEZONE, _l("Time zone")),
        SelectChoice(CUSTOM, _l("Custom field (shown to the agent)")),
        SelectChoice(IGNORE, _l("Do not import")),
    ]


class MappingForm(Form):
    columns = FieldList(SelectField(choices=mapping_choices()), min_entries=0)


def kind_choices() -> list[SelectChoice]:
    """The question types of the survey designer."""
    return [
        SelectChoice(QuestionKind.SINGLE_CHOICE, _l("Single choice")),
        SelectChoice(QuestionKind.MULTIPLE_CHOICE, _l("Multiple choice")),
        SelectChoice(QuestionKind.TEXT, _l("Text")),
        SelectChoice(QuestionKind.NUMBER, _l("Number")),
        SelectChoice(QuestionKind.RATING, _l("Rating 1-5")),
        SelectChoice(QuestionKind.YES_NO, _l("Yes / no")),
    ]


class QuestionForm(SubForm):
    kind = SelectField(_l("Type"), choices=kind_choices())
    text = TextAreaField(_l("Question"), validators=[Length(max=2000)])
    options = TextAreaField(_l("Options, one a line"), validators=[Length(max=4000)])
    is_required = BooleanField(_l("Required"))


class SurveyForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Length(max=4000)])
    questions = FieldList(FormField(QuestionForm), min_entries=1, max_entries=100)


class BlacklistAddForm(Form):
    number = StringField(_l("Phone number"), validators=[DataRequired(), Length(max=64)])
    reason = StringField(_l("Reason"), validators=[Length(max=255)])


class BlacklistUploadForm(Form):
    file = FileField(_l("File of numbers (CSV, TXT or XLSX)"), validators=[FileRequired()])
    reason = StringField(_l("Reason"), validators=[Length(max=255)])
