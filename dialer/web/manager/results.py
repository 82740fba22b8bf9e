"""The manager's results: a campaign's completed surveys, call search, one call in full (M4)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _

from dialer.access import SUPERVISORS, roles
from dialer.domain.errors import DomainError
from dialer.domain.reports import calls as call_reports
from dialer.domain.reports import filters as report_filters
from dialer.domain.reports import results
from dialer.extensions import db
from dialer.models import CallStatus, Campaign, Direction
from dialer.web import refusals, report_args
from dialer.web.auth.forms import ConfirmForm

bp = Blueprint("results", __name__, url_prefix="/results")

FILTER_ARGS = ("from", "to", "agent", "status")
CALL_ARGS = (*FILTER_ARGS, "campaign", "direction", "number")


@bp.route("/campaigns/<int:campaign_id>")
@roles(*SUPERVISORS)
def campaign_results(campaign_id: int) -> Any:
    campaign = db.get_or_404(Campaign, campaign_id)
    columns = results.question_columns(db.session, campaign)
    page, problem = None, None
    try:
        chosen = report_args.filters_from(request.args)
        page = results.results_page(
            db.session,
            campaign,
            chosen,
            columns,
            **report_args.cursors(),
            yes_no=(_("yes"), _("no")),
        )
    except DomainError as error:
        problem = refusals.describe(error)[1]
    return _render("results/campaign.html", problem, campaign=campaign, columns=columns, page=page)


@bp.route("/calls")
@roles(*SUPERVISORS)
def call_search() -> Any:
    page, problem = None, None
    try:
        chosen = report_args.filters_from(request.args, with_calls=True)
        page = call_reports.search_calls(db.session, chosen, **report_args.cursors())
    except DomainError as error:
        problem = refusals.describe(error)[1]
    campaigns = db.session.scalars(db.select(Campaign).order_by(Campaign.name)).all()
    return _render(
        "results/calls.html",
        problem,
        page=page,
        campaigns=campaigns,
        directions=[d.value for d in Direction],
    )


@bp.route("/calls/<int:call_id>")
@roles(*SUPERVISORS)
def call(call_id: int) -> str:
    detail = call_reports.call_detail(db.session, call_id, yes_no=(_("yes"), _("no")))
    if detail is None:
        abort(404)
    return render_template("results/call.html", detail=detail, call=detail.call)


def _render(template: str, problem: str | None, **values: Any) -> tuple[str, int]:
    """The page; with a bad filter, the page with its reason and no rows (400)."""
    arg_names = CALL_ARGS if template.endswith("calls.html") else FILTER_ARGS
    args = {name: request.args.get(name, "") for name in arg_names}
    html = render_template(
        template,
        problem=problem,
        args=args,
        link_args={**(request.view_args or {}), **{k: v for k, v in args.items() if v}},
        agents=report_filters.agent_choices(db.session),
        statuses=[s.value for s in CallStatus],
        action=ConfirmForm(),
        **values,
    )
    return html, 400 if problem else 200
