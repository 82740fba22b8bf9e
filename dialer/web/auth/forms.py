"""WTForms classes of the shared pages (login, language)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from dialer.web.forms import Form


class LoginForm(Form):
    username = StringField(_l("Agent id"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    extension = StringField(_l("Extension"), validators=[Optional(), Length(max=32)])
    next = HiddenField()


class LanguageForm(Form):
    language = SelectField(
        _l("Language"), choices=[SelectChoice("en", "English"), SelectChoice("vi", "Tiếng Việt")]
    )
    next = HiddenField()


class ConfirmForm(Form):
    """An empty form: a button that posts with a CSRF token."""
