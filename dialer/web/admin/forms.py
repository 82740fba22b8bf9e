"""WTForms of the administration pages: people, extensions, queues, pause reasons, passwords."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from dialer.domain.admin.pause_reasons import MAX_MINUTES_LIMIT
from dialer.domain.people.passwords import MAX_LENGTH
from dialer.web.forms import Form
from dialer.web.manager.forms import CheckboxesField


def role_choices() -> list[SelectChoice]:
    """The four roles, in words."""
    return [
        SelectChoice("agent", _l("Agent")),
        SelectChoice("supervisor", _l("Supervisor")),
        SelectChoice("manager", _l("Manager")),
        SelectChoice("admin", _l("Admin")),
    ]


class UserForm(Form):
    """A user's details (the domain checks them; the form only parses)."""

    username = StringField(_l("Agent id"), validators=[DataRequired(), Length(max=64)])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), choices=role_choices(), default="agent")
    extension = StringField(
        _l("Extension"),
        validators=[Optional(), Length(max=32)],
        description=_l("The phone the agent usually signs in on; made when new."),
    )
    queues = CheckboxesField(_l("Queues"), choices=[], validate_choice=False)
    email = StringField(
        _l("Email"),
        validators=[Optional(), Length(max=255)],
        description=_l("How the helpdesk knows this person: Zendesk opens calls in their screen."),
    )


class NewUserForm(UserForm):
    password = PasswordField(
        _l("Password"),
        validators=[Optional(), Length(max=MAX_LENGTH)],
        description=_l("At least 10 characters; not one of the commonest passwords."),
    )
    must_change_password = BooleanField(
        _l("Must change the password at first sign-in"), default=True
    )


class SetPasswordForm(Form):
    password = PasswordField(_l("New password"), validators=[Optional(), Length(max=MAX_LENGTH)])
    must_change_password = BooleanField(_l("Must change it at next sign-in"), default=True)


class ChangePasswordForm(Form):
    current = PasswordField(_l("Current password"), validators=[Optional(), Length(max=MAX_LENGTH)])
    password = PasswordField(
        _l("New password"),
        validators=[Optional(), Length(max=MAX_LENGTH)],
        description=_l("At least 10 characters; not one of the commonest passwords."),
    )
    confirm = PasswordField(
        _l("New password again"), validators=[Optional(), Length(max=MAX_LENGTH)]
    )


class BulkUsersForm(Form):
    file = FileField(_l("CSV or Excel file"), validators=[FileRequired()])
    password = PasswordField(
        _l("First password of every new user"),
        validators=[Optional(), Length(max=MAX_LENGTH)],
        description=_l("Each user must change it at first sign-in."),
    )


class ExtensionForm(Form):
    number = StringField(_l("Extension"), validators=[DataRequired(), Length(max=32)])
    description = StringField(_l("Description"), validators=[Optional(), Length(max=120)])


class QueueForm(Form):
    name = StringField(
        _l("Queue name"),
        # The domain says what the PBX would refuse, the length included.
        validators=[DataRequired(), Length(max=200)],
        description=_l("Exactly as in the PBX's queues.conf: letters, digits and - _ . only."),
    )
    description = StringField(_l("Description"), validators=[Optional(), Length(max=120)])


class QueueDescriptionForm(Form):
    description = StringField(_l("Description"), validators=[Optional(), Length(max=120)])
    record_calls = BooleanField(_l("Record the calls"))


class AddMemberForm(Form):
    username = SelectField(_l("Agent"), choices=[], validate_choice=False)


class PauseReasonForm(Form):
    name = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=80)])
    name_vi = StringField(_l("Name (Vietnamese)"), validators=[DataRequired(), Length(max=80)])
    is_paid = BooleanField(_l("Counts as paid time"))
    max_minutes = IntegerField(
        _l("Flag the agent after (minutes)"),
        validators=[Optional(), NumberRange(min=1, max=MAX_MINUTES_LIMIT)],
        description=_l("Leave empty for no limit."),
    )
