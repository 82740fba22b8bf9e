"""The base of every form: CSRF from Flask-WTF, and WTForms' own messages in the user's language.

WTForms ships no Vietnamese catalogue, so its messages ("This field is
required.") are looked up in the product's own catalogue instead; the ids
are listed in ``dialer/web/form_text.py`` so that they are extracted and
translated with the rest.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context
from flask_babel import get_translations
from flask_wtf import FlaskForm
from wtforms import Form as PlainForm
from wtforms import TimeField
from wtforms.widgets import TextInput


class FormTranslations:
    """What WTForms asks its messages of, answered from the product's catalogue."""

    def gettext(self, string: str) -> str:
        """The message in the request's language (unchanged outside a request)."""
        if not has_request_context():
            return string
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Singular or plural by ``n``, each its own message: English needs two forms and
        Vietnamese one, so no plural rule beyond English's is needed."""
        return self.gettext(singular if n == 1 else plural)


TRANSLATIONS = FormTranslations()


class Form(FlaskForm):
    """A form whose built-in validation messages follow the chosen language."""

    class Meta:
        def get_translations(self, form: Any) -> FormTranslations:
            return TRANSLATIONS


# 00:00 to 23:59, the hour with or without its leading zero.
HOUR_MINUTE_PATTERN = "([01]?[0-9]|2[0-3]):[0-5][0-9]"


class HourMinuteField(TimeField):
    """A time of day typed as 24-hour HH:MM text: no AM/PM, whatever the browser's language."""

    widget = TextInput()

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        render_kw = {
            "pattern": HOUR_MINUTE_PATTERN,
            "placeholder": "HH:MM",
            "inputmode": "numeric",
            "maxlength": 5,
            "autocomplete": "off",
            "class": "hour-minute",
            **(kwargs.pop("render_kw", None) or {}),
        }
        super().__init__(label, validators, format="%H:%M", render_kw=render_kw, **kwargs)


class SubForm(PlainForm):
    """A form inside another (a FormField): no CSRF of its own, messages in the chosen language."""

    class Meta:
        def get_translations(self, form: Any) -> FormTranslations:
            return TRANSLATIONS
