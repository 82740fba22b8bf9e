"""The campaign's dispositions page: the manager adds and retires what agents pick after a call."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from dialer.access import MANAGERS, roles
from dialer.domain.campaigns import dispositions
from dialer.extensions import db
from dialer.models import Campaign, DispositionKind
from dialer.web.auth.forms import ConfirmForm
from dialer.web.forms import Form

bp = Blueprint("dispositions", __name__, url_prefix="/campaigns/<int:campaign_id>/dispositions")

KIND_LABELS = {
    DispositionKind.FINAL: _l("Final: the lead is finished"),
    DispositionKind.RETRY: _l("Retry: called again by the retry rules"),
    DispositionKind.DO_NOT_CALL: _l("Do not call: finished, and the number is blacklisted"),
    DispositionKind.CALLBACK: _l("Call back: at a time agreed with the customer"),
}

FIELD_PROBLEMS = {
    dispositions.NAME_REQUIRED: _l("Give the disposition a name."),
    dispositions.NAME_TAKEN: _l("This campaign already has a disposition with this name."),
    dispositions.UNKNOWN_KIND: _l("Pick what the disposition does to the lead."),
}


class DispositionForm(Form):
    name = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=80)])
    name_vi = StringField(_l("Name (Vietnamese)"), validators=[DataRequired(), Length(max=80)])
    kind = SelectField(
        _l("What it does to the lead"),
        choices=[SelectChoice(str(kind), label) for kind, label in KIND_LABELS.items()],
    )


@bp.route("/")
@roles(*MANAGERS)
def index(campaign_id: int) -> Any:
    return _page(db.get_or_404(Campaign, campaign_id), DispositionForm(formdata=None))


def _page(campaign: Campaign, form: DispositionForm, status: int = 200) -> Any:
    listed = dispositions.campaign_dispositions(db.session, campaign.id)
    return (
        render_template(
            "dispositions/index.html",
            campaign=campaign,
            dispositions=listed,
            form=form,
            action=ConfirmForm(),
            kind_labels=KIND_LABELS,
        ),
        status,
    )


@bp.route("/", methods=["POST"])
@roles(*MANAGERS)
def add(campaign_id: int) -> Any:
    campaign = db.get_or_404(Campaign, campaign_id)
    form = DispositionForm()
    if not form.validate_on_submit():
        return _page(campaign, form, 400)
    try:
        made = dispositions.add_disposition(
            db.session, campaign, form.name.data, form.name_vi.data, form.kind.data
        )
    except dispositions.DispositionError as refused:
        db.session.rollback()
        for name, problem in refused.fields.items():
            getattr(form, name).errors.append(str(FIELD_PROBLEMS[problem]))
        return _page(campaign, form, 400)
    db.session.commit()
    flash(_("Disposition %(name)s added.", name=made.name), "ok")
    return redirect(url_for("dispositions.index", campaign_id=campaign_id))


@bp.route("/<int:disposition_id>/retire", methods=["POST"])
@roles(*MANAGERS)
def retire(campaign_id: int, disposition_id: int) -> Response:
    if not ConfirmForm().validate_on_submit():
        flash(_("The page is out of date. Reload it and try again."), "error")
        return redirect(url_for("dispositions.index", campaign_id=campaign_id))
    try:
        gone = dispositions.retire_disposition(db.session, campaign_id, disposition_id)
    except dispositions.DispositionError:
        db.session.rollback()
        flash(_("No such disposition."), "error")
        return redirect(url_for("dispositions.index", campaign_id=campaign_id))
    db.session.commit()
    flash(_("Disposition %(name)s removed from the agents' list.", name=gone.name), "ok")
    return redirect(url_for("dispositions.index", campaign_id=campaign_id))
