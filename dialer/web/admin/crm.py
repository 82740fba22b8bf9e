"""The helpdesk settings page (C3): choose the CRM, store its credentials, check it, and read
the links and webhooks that did not go through."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from dialer.access import roles
from dialer.domain.crm import activity, settings
from dialer.domain.crm.check import check_connection
from dialer.domain.crm.settings import HelpdeskInput
from dialer.domain.errors import DomainError
from dialer.extensions import db
from dialer.models import Role
from dialer.web.admin.crm_forms import CrmSettingsForm
from dialer.web.api.crm_messages import panel_problem
from dialer.web.auth.forms import ConfirmForm

bp = Blueprint("crm_settings", __name__, url_prefix="/admin/crm")

# The form fields shown back as stored, and those passed to the domain (secrets write-only).
_FIELDS = (
    "provider",
    "url",
    "email",
    "popup",
    "contact_url_template",
    "call_url_template",
    "webhook_url",
)
_INPUT = (*_FIELDS, "secret", "webhook_secret")

FIELD_PROBLEMS: dict[str, Any] = {
    "unknown_provider": _l("Choose one of the listed helpdesks."),
    "not_http_url": _l("Enter an address starting with https://"),
    settings.REQUIRED: _l("Required."),
    "email_required": _l("Enter the email address of the Zendesk user."),
    "unknown_popup": _l("Choose how the ticket opens."),
    "bad_template": _l(
        "Start with https:// and use only {number}, {call_id}, {call_uid}, {agent}, {direction}."
    ),
}


def _page(form: CrmSettingsForm, status: int = 200) -> Any:
    row = settings.load(db.session)
    return (
        render_template(
            "crm_settings/index.html",
            form=form,
            current=settings.describe(row),
            links=activity.troubled_links(db.session),
            deliveries=activity.recent_deliveries(db.session),
            problem=panel_problem,
            check=ConfirmForm(),
        ),
        status,
    )


@bp.get("/")
@roles(Role.ADMIN)
def index() -> Any:
    """The settings as stored (secrets only as 'set'), and what did not go through."""
    shown = settings.describe(settings.load(db.session))
    form = CrmSettingsForm(formdata=None, data={k: v for k, v in shown.items() if k in _FIELDS})
    return _page(form)


@bp.post("/")
@roles(Role.ADMIN)
def save() -> Any:
    """Store the settings (secrets encrypted); then say in one line whether the helpdesk answers."""
    form = CrmSettingsForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    data = HelpdeskInput(**{name: (getattr(form, name).data or "") for name in _INPUT})
    try:
        settings.configure(db.session, current_app.config["DIALER_CRM_KEY"], data)
    except DomainError as refused:
        db.session.rollback()
        for name, code in refused.fields.items():
            field = getattr(form, name, None)
            if field is not None:
                field.errors = [*field.errors, str(FIELD_PROBLEMS.get(code, code))]
        if not refused.fields:
            flash(str(refused), "error")
        return _page(form, 422)
    db.session.commit()
    flash(_("Helpdesk settings saved."), "success")
    return redirect(url_for("crm_settings.index"))


@bp.post("/check")
@roles(Role.ADMIN)
def check() -> Any:
    """One line: connected as whom, or what is wrong."""
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("crm_settings.index"))
    result = check_connection(db.session, current_app.config["DIALER_CRM_KEY"])
    db.session.rollback()
    if result.is_ok:
        flash(
            _("Connected to %(where)s as %(who)s.", where=result.where, who=result.who), "success"
        )
    else:
        reason = panel_problem(result.code)
        flash(_("%(where)s: %(reason)s", where=result.where, reason=reason), "error")
    return redirect(url_for("crm_settings.index"))
