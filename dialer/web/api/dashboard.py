"""``GET /api/dashboard/campaigns/<id>``: a campaign dashboard's figures, from the shared cache."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from redis.exceptions import RedisError
from werkzeug.wrappers import Response

from dialer.access import SUPERVISORS, roles
from dialer.domain.contacts.history import local_day
from dialer.domain.reports import dashboard, periods
from dialer.extensions import db, redis_hub
from dialer.models import utcnow
from dialer.snapshots import read_dashboard
from dialer.timefmt import local_zone
from dialer.web.api.openapi_terms import ID, operation
from dialer.web.manager.report_text import why_not_sentence

bp = Blueprint("api_dashboard", __name__, url_prefix="/api/dashboard")


def paths() -> dict[str, Any]:
    """The dashboard endpoint in the OpenAPI document."""
    return {
        "/api/dashboard/campaigns/{campaign_id}": {
            "get": operation(
                "A campaign's dashboard figures (shared cached copy; supervisors and managers)",
                {"type": "object"},
                errors=("400", "401", "403", "404"),
                description="Leads total, dialled, finished, held, dialable now and why not; "
                "outcomes by status, contact and survey completion rates, attempts per lead, "
                "calls per hour of `date` (YYYY-MM-DD, the deployment's time zone; default "
                "today) and the campaign's agents signed in. `is_stale` true: another viewer "
                "is recomputing it; ask again in a second. Pushed changes: "
                "GET /api/events?campaign={campaign_id}.",
                parameters=[
                    {
                        "name": "campaign_id",
                        "in": "path",
                        "required": True,
                        "schema": ID,
                    },
                    {"name": "date", "in": "query", "schema": {"type": "string", "format": "date"}},
                ],
            )
        }
    }


@bp.get("/campaigns/<int:campaign_id>")
@roles(*SUPERVISORS)
def campaign(campaign_id: int) -> Response:
    """The figures (``?date=YYYY-MM-DD`` picks the calls-per-hour day), with the reason in words."""
    zone = local_zone()
    day = periods.parse_day(request.args.get("date"), local_day(zone, utcnow()))

    def compute() -> dict[str, Any]:
        found = dashboard.find_campaign(db.session, campaign_id)
        return dashboard.campaign_dashboard(db.session, found, day, zone, utcnow())

    try:
        data = read_dashboard(redis_hub.client, campaign_id, day.isoformat(), compute)
    except RedisError:
        # The cached copy only spares the database: without Redis each viewer computes its own.
        db.session.rollback()
        data = {**compute(), "is_stale": False}
    db.session.rollback()  # read only: end the transaction the figures opened
    data["why_not_text"] = why_not_sentence(data["why_not"], data["status"])
    return jsonify(data)
