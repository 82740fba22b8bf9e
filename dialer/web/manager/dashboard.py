"""The campaign dashboard page (M5): figures and charts that follow the calls live."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from dialer.access import SUPERVISORS, roles
from dialer.domain.contacts.history import local_day
from dialer.domain.reports import dashboard, periods
from dialer.extensions import db
from dialer.models import utcnow
from dialer.timefmt import local_zone
from dialer.web.manager.report_text import dashboard_text

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.get("/campaigns/<int:campaign_id>")
@roles(*SUPERVISORS)
def campaign(campaign_id: int) -> str:
    found = dashboard.find_campaign(db.session, campaign_id)
    day = periods.parse_day(request.args.get("date"), local_day(local_zone(), utcnow()))
    return render_template(
        "dashboard/campaign.html", campaign=found, day=day, text=dashboard_text()
    )
