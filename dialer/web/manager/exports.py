"""Exports of a campaign's results: at once when small, by a worker with progress when large."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from dialer.access import MANAGERS, roles
from dialer.domain.errors import DomainError
from dialer.domain.exports import campaign as exports
from dialer.extensions import db, redis_hub
from dialer.jobs import exports as export_jobs
from dialer.models import Campaign, utcnow
from dialer.timefmt import local_zone
from dialer.web import refusals, report_args
from dialer.web.auth.forms import ConfirmForm

bp = Blueprint("exports", __name__, url_prefix="/exports")
MIMETYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.route("/campaigns/<int:campaign_id>", methods=["POST"])
@roles(*MANAGERS)
def campaign_export(campaign_id: int) -> Any:
    campaign = db.get_or_404(Campaign, campaign_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    kind, fmt = request.form.get("kind", ""), request.form.get("fmt", "")
    if kind not in set(exports.ExportKind) or fmt not in MIMETYPES:
        abort(400)
    back = url_for("results.campaign_results", campaign_id=campaign.id)
    try:
        chosen = report_args.filters_from(request.form)
    except DomainError as error:
        flash(refusals.describe(error)[1], "error")
        return redirect(back)
    total = exports.count_rows(db.session, campaign, kind, chosen)
    token = export_jobs.new_token()
    name = exports.file_name(campaign, kind, fmt, utcnow().astimezone(local_zone()))
    if total < exports.SMALL_EXPORT_ROWS:
        path = _folder() / f"{token}.{fmt}"
        exports.run_export(
            db.session, campaign, kind, fmt, chosen, path, actor_id=current_user.id, labels=labels()
        )
        db.session.commit()
        body = path.read_bytes()  # small by definition: under SMALL_EXPORT_ROWS rows
        path.unlink()
        return Response(
            body,
            mimetype=MIMETYPES[fmt],
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
        )
    job_request = {
        "campaign_id": campaign.id,
        "kind": kind,
        "fmt": fmt,
        "filters": chosen.as_dict(),
        "zone": local_zone().key,
        "labels": labels(),
        "actor_id": current_user.id,
        "total": total,
        "download_name": name,
    }
    export_jobs.start_export(
        redis_hub.queue(export_jobs.QUEUE), token=token, request=job_request, total=total
    )
    return redirect(url_for(".export_page", token=token))


@bp.route("/<token>")
@roles(*MANAGERS)
def export_page(token: str) -> str:
    status = _status(token)
    campaign = db.session.get(Campaign, status.get("campaign_id", 0))
    return render_template(
        "exports/progress.html",
        token=token,
        status=status,
        campaign=campaign,
        retention_h=current_app.config["DIALER_EXPORT_RETENTION_H"],
    )


@bp.route("/<token>/status")
@roles(*MANAGERS)
def export_status(token: str) -> Response:
    status = _status(token)
    done = status["status"] == "done"
    return jsonify(
        status=status["status"],
        rows=status.get("rows", 0),
        total=status.get("total", 0),
        percent=status.get("percent", 0),
        download=url_for(".download", token=token) if done else None,
    )


@bp.route("/<token>/download")
@roles(*MANAGERS)
def download(token: str) -> Any:
    status = _status(token)
    if status["status"] == export_jobs.EXPIRED:  # the page says so, rather than a 404
        return redirect(url_for(".export_page", token=token))
    fmt = status.get("fmt", "")
    path = _folder() / f"{token}.{fmt}"
    if status["status"] != "done" or fmt not in MIMETYPES or not path.is_file():
        abort(404)
    return send_file(
        path,
        mimetype=MIMETYPES[fmt],
        as_attachment=True,
        download_name=status.get("download_name", path.name),
    )


def labels() -> dict[str, str]:
    """The exports' column names and words in the manager's language."""
    words = {
        "saved_at": _("Survey saved"),
        "call_at": _("Call time"),
        "phone": _("Phone"),
        "first_name": _("First name"),
        "last_name": _("Last name"),
        "email": _("Email"),
        "agent": _("Agent"),
        "agent_id": _("Agent id"),
        "status": _("Outcome"),
        "talk_s": _("Talk time (s)"),
        "call_id": _("Call id"),
        "created_at": _("Started"),
        "direction": _("Direction"),
        "lead": _("Lead"),
        "hangup_cause": _("Hangup cause"),
        "hangup_cause_text": _("Hangup cause text"),
        "hung_up_by": _("Hung up by"),
        "ringing_at": _("Ringing at"),
        "answered_at": _("Answered at"),
        "ended_at": _("Ended at"),
        "wait_s": _("Wait (s)"),
        "has_survey": _("Survey saved"),
        "has_xcm": _("Report XCM"),
        "yes": _("yes"),
        "no": _("no"),
    }
    return {key: str(value) for key, value in words.items()}


def _folder() -> Path:
    return export_jobs.export_folder(current_app.instance_path)


def _status(token: str) -> dict[str, Any]:
    if not token.isalnum():
        abort(404)
    status = export_jobs.read_status(redis_hub.client, token)
    if status is None:
        abort(404)
    return status
