"""The helpdesk settings form: secrets are write-only (never rendered back)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from dialer.web.forms import Form

PROVIDER_CHOICES = [
    SelectChoice("builtin", _l("Built-in CRM (contacts and XCM reports)")),
    SelectChoice("freshdesk", "Freshdesk"),
    SelectChoice("zendesk", "Zendesk"),
    SelectChoice("generic", _l("Other CRM (links and signed webhooks)")),
]
POPUP_CHOICES = [
    SelectChoice("browser", _l("A browser tab on the ticket")),
    SelectChoice("in-app", _l("Inside Zendesk (Talk Partner Edition)")),
]


class CrmSettingsForm(Form):
    provider = SelectField(_l("Helpdesk"), choices=PROVIDER_CHOICES)
    url = StringField(
        _l("Helpdesk address"),
        validators=[Optional(), Length(max=255)],
        description=_l("e.g. https://acme.freshdesk.com or https://acme.zendesk.com"),
    )
    email = StringField(
        _l("Zendesk user email"),
        validators=[Optional(), Length(max=255)],
        description=_l("The Zendesk user the API token belongs to."),
    )
    secret = PasswordField(
        _l("API key or token"),
        validators=[Optional(), Length(max=500)],
        description=_l("Leave empty to keep the stored one. It is never shown again."),
    )
    popup = SelectField(_l("Pop-up"), choices=POPUP_CHOICES)
    contact_url_template = StringField(
        _l("Contact page address"),
        validators=[Optional(), Length(max=500)],
        description=_l("e.g. https://crm.example.com/find?phone={number}"),
    )
    call_url_template = StringField(
        _l("Call page address"),
        validators=[Optional(), Length(max=500)],
        description=_l("e.g. https://crm.example.com/calls/new?phone={number}&call={call_uid}"),
    )
    webhook_url = StringField(
        _l("Webhook address"),
        validators=[Optional(), Length(max=500)],
        description=_l("Signed POSTs on call start, answer, end and survey save."),
    )
    webhook_secret = PasswordField(
        _l("Webhook signing secret"),
        validators=[Optional(), Length(max=500)],
        description=_l("Leave empty to keep the stored one. It is never shown again."),
    )
