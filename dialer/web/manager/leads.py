"""A campaign's leads: search, filter, and a manager's reset or removal (audited)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from dialer.access import MANAGERS, SUPERVISORS, roles
from dialer.domain.errors import DomainError
from dialer.domain.leads import manage
from dialer.domain.reports import leads as lead_reports
from dialer.extensions import db
from dialer.models import Campaign, LeadStatus
from dialer.web import refusals
from dialer.web.auth.forms import ConfirmForm

bp = Blueprint("leads", __name__, url_prefix="/leads")


@bp.app_template_global("lead_status_label")
def lead_status_label(status: str) -> str:
    """A lead's status in the page's language."""
    labels = {
        LeadStatus.NEW: _("New"),
        LeadStatus.CLAIMED: _("Held by an agent"),
        LeadStatus.RETRY: _("Waiting to retry"),
        LeadStatus.DONE: _("Done"),
        LeadStatus.REMOVED: _("Removed"),
    }
    return labels.get(status, status)  # type: ignore[call-overload]


@bp.route("/campaigns/<int:campaign_id>")
@roles(*SUPERVISORS)
def campaign_leads(campaign_id: int) -> Any:
    campaign = db.get_or_404(Campaign, campaign_id)
    search = request.args.get("q", "")
    after = request.args.get("after", "")
    page, problem = None, None
    try:
        page = lead_reports.campaign_leads(
            db.session,
            campaign,
            search=search,
            status=lead_reports.lead_status(request.args.get("status")),
            after=int(after) if after.isdigit() else 0,
            region=current_app.config["DIALER_DEFAULT_REGION"],
        )
    except DomainError as error:
        problem = refusals.describe(error)[1]
    html = render_template(
        "leads/index.html",
        campaign=campaign,
        page=page,
        problem=problem,
        search=search,
        status=request.args.get("status", ""),
        statuses=[s.value for s in LeadStatus],
        action=ConfirmForm(),
    )
    return html, 400 if problem else 200


@bp.route("/campaigns/<int:campaign_id>/<int:lead_id>/reset", methods=["POST"])
@roles(*MANAGERS)
def reset(campaign_id: int, lead_id: int) -> Any:
    return _change(campaign_id, lead_id, manage.reset_lead, _("The lead will be called again."))


@bp.route("/campaigns/<int:campaign_id>/<int:lead_id>/remove", methods=["POST"])
@roles(*MANAGERS)
def remove(campaign_id: int, lead_id: int) -> Any:
    return _change(campaign_id, lead_id, manage.remove_lead, _("The lead was removed."))


def _change(campaign_id: int, lead_id: int, change: Any, done: str) -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    lead = manage.find_lead(db.session, campaign_id, lead_id)
    change(db.session, lead, actor_id=current_user.id)
    db.session.commit()
    flash(done, "success")
    back = request.form.get("back", "")
    if not back.startswith("/leads/"):  # only back to a leads page of this site
        back = url_for(".campaign_leads", campaign_id=campaign_id)
    return redirect(back)
