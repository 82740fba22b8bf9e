"""Manager pages: campaigns, and uploading their leads with a live progress bar (M1, M2)."""

from __future__ import annotations

import io
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from dialer.access import MANAGERS, roles
from dialer.domain import audit
from dialer.domain.campaigns.lifecycle import (
    CampaignError,
    CampaignSettings,
    allowed_transitions,
    apply_settings,
    assign_agents,
    create_campaign,
    dialable_leads,
    lead_counts,
    missing_to_start,
    pause_campaign,
    start_campaign,
    stop_campaign,
)
from dialer.domain.leads import imports as lead_imports
from dialer.domain.leads import progress as run_progress
from dialer.domain.leads import rejections as lead_rejections
from dialer.domain.leads.columns import MappingError
from dialer.domain.leads.terms import Detected, UnreadableFile
from dialer.extensions import db, redis_hub
from dialer.jobs.leads import QUEUE, active_job, enqueue_import, read_progress
from dialer.models import Campaign, ImportStatus, LeadImport
from dialer.web import refusals
from dialer.web.auth.forms import ConfirmForm
from dialer.web.limits import accepts_upload
from dialer.web.manager import messages, uploads
from dialer.web.manager.campaign_form import campaign_form, settings_of
from dialer.web.manager.forms import (
    CampaignForm,
    MappingForm,
    UploadForm,
)

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")
REPORT_ROWS = 200


bp.register_error_handler(RequestEntityTooLarge, uploads.too_large)


@bp.context_processor
def page_words() -> dict[str, Any]:
    """The helpers the campaign templates use to put codes into words."""
    return {
        "missing_label": messages.missing_label,
        "import_status": messages.import_status,
        "day_names": messages.day_names,
        "encoding_label": lambda encoding: Detected("csv", encoding=encoding).encoding_label,
        "delimiter_label": messages.delimiter_label,
        "dial_mode_label": messages.dial_mode_label,
    }


@bp.route("/")
@roles(*MANAGERS)
def index() -> str:
    campaigns = db.session.scalars(db.select(Campaign).order_by(Campaign.created_at.desc())).all()
    return render_template(
        "campaigns/list.html", campaigns=campaigns, counts=lead_counts(db.session)
    )


@bp.route("/new", methods=["GET", "POST"])
@roles(*MANAGERS)
def new() -> Any:
    form = campaign_form(CampaignSettings(name="", timezone=current_app.config["DIALER_TIMEZONE"]))
    if form.validate_on_submit():
        saved = _save(form, None)
        if saved is not None:
            flash(_("Campaign created."), "success")
            return redirect(url_for(".detail", campaign_id=saved.id))
    return render_template("campaigns/form.html", form=form, campaign=None)


@bp.route("/<int:campaign_id>")
@roles(*MANAGERS)
def detail(campaign_id: int) -> str:
    campaign = _campaign(campaign_id)
    imports = db.session.scalars(
        db.select(LeadImport)
        .where(LeadImport.campaign_id == campaign.id)
        .order_by(LeadImport.id.desc())
        .limit(20)
    ).all()
    return render_template(
        "campaigns/detail.html",
        campaign=campaign,
        missing=missing_to_start(db.session, campaign),
        transitions=allowed_transitions(campaign),
        counts=lead_counts(db.session).get(campaign.id, {}),
        dialable=dialable_leads(db.session, campaign),
        imports=imports,
        upload=UploadForm(),
        action=ConfirmForm(),
        limit_mb=current_app.config["DIALER_MAX_UPLOAD_MB"],
    )


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@roles(*MANAGERS)
def edit(campaign_id: int) -> Any:
    campaign = _campaign(campaign_id)
    form = campaign_form(CampaignSettings.of(campaign), [a.user_id for a in campaign.agents])
    if form.validate_on_submit() and _save(form, campaign) is not None:
        flash(_("Campaign saved."), "success")
        return redirect(url_for(".detail", campaign_id=campaign.id))
    return render_template("campaigns/form.html", form=form, campaign=campaign)


def _save(form: CampaignForm, campaign: Campaign | None) -> Campaign | None:
    """Create or update from the form and commit; None (form errors set) when refused."""
    is_new = campaign is None
    try:
        if campaign is None:
            campaign = create_campaign(
                db.session,
                name=form.name.data,
                region=_region(),
                timezone=form.timezone.data,
                created_by_id=current_user.id,
            )
        apply_settings(db.session, campaign, settings_of(form), _region())
        assign_agents(db.session, campaign, form.agents.data or [])
    except CampaignError as error:
        db.session.rollback()
        form.form_errors.append(messages.campaign_error(error))
        return None
    action = "campaign_created" if is_new else "campaign_updated"
    audit.record(
        db.session,
        action,
        actor_id=current_user.id,
        target=campaign,
        name=campaign.name,
        record_calls=campaign.record_calls,
    )
    db.session.commit()
    return campaign


@bp.route("/<int:campaign_id>/start", methods=["POST"])
@roles(*MANAGERS)
def start(campaign_id: int) -> Any:
    return change_status(campaign_id, "start")


@bp.route("/<int:campaign_id>/pause", methods=["POST"])
@roles(*MANAGERS)
def pause(campaign_id: int) -> Any:
    return change_status(campaign_id, "pause")


@bp.route("/<int:campaign_id>/stop", methods=["POST"])
@roles(*MANAGERS)
def stop(campaign_id: int) -> Any:
    return change_status(campaign_id, "stop")


def change_status(campaign_id: int, action: str) -> Any:
    campaign = _campaign(campaign_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    refusals.return_to(url_for(".detail", campaign_id=campaign.id))
    if action == "start":
        start_campaign(db.session, campaign)
    elif action == "pause":
        pause_campaign(campaign)
    else:
        stop_campaign(campaign)
    audit.record(
        db.session,
        f"campaign_{action}",
        actor_id=current_user.id,
        target=campaign,
        status=campaign.status,
    )
    db.session.commit()
    flash(messages.status_changed(action), "success")
    return redirect(url_for(".detail", campaign_id=campaign.id))


# ------------------------------------------------------------------ lead upload


@bp.route("/<int:campaign_id>/imports", methods=["POST"])
@roles(*MANAGERS)
@accepts_upload
def upload(campaign_id: int) -> Any:
    campaign = _campaign(campaign_id)
    form = UploadForm()
    if not form.validate_on_submit():
        flash(_("Choose a file to upload."), "error")
        return redirect(url_for(".detail", campaign_id=campaign.id))
    path = uploads.save_upload(form.file.data, "leads")
    refusals.return_to(url_for(".detail", campaign_id=campaign.id))
    try:
        lead_import = lead_imports.create_import(
            db.session,
            campaign,
            path,
            form.file.data.filename or path.name,
            created_by_id=current_user.id,
        )
    except UnreadableFile:
        path.unlink(missing_ok=True)  # nothing of a refused file is kept
        raise
    db.session.commit()
    return redirect(url_for(".mapping", campaign_id=campaign.id, import_id=lead_import.id))


@bp.route("/<int:campaign_id>/imports/<int:import_id>/mapping", methods=["GET", "POST"])
@roles(*MANAGERS)
def mapping(campaign_id: int, import_id: int) -> Any:
    lead_import = _import(campaign_id, import_id)
    if lead_import.status != ImportStatus.UPLOADED:
        return redirect(url_for(".import_page", campaign_id=campaign_id, import_id=import_id))
    sample = lead_imports.preview(lead_import)
    headers = list(sample.columns)
    form = MappingForm()
    if not form.is_submitted():
        for header in headers:
            form.columns.append_entry(lead_import.mapping.get(header, "custom"))
    if form.validate_on_submit() and len(form.columns.entries) == len(headers):
        redis_hub.require()  # the import runs as a job: refused (503) before it is confirmed
        chosen = dict(zip(headers, (entry.data for entry in form.columns.entries), strict=True))
        try:
            lead_imports.confirm_mapping(db.session, lead_import, chosen)
        except (MappingError, UnreadableFile) as error:
            db.session.rollback()
            form.form_errors.append(messages.mapping_or_file_error(error))
        else:
            audit.record(
                db.session,
                "leads_imported",
                actor_id=current_user.id,
                target=lead_import,
                campaign_id=campaign_id,
                file=lead_import.file_name,
            )
            db.session.commit()
            enqueue_import(redis_hub.queue(QUEUE), lead_import.id)
            return redirect(url_for(".import_page", campaign_id=campaign_id, import_id=import_id))
    return render_template(
        "campaigns/mapping.html",
        lead_import=lead_import,
        campaign=lead_import.campaign,
        headers=headers,
        rows=sample.values.tolist(),
        form=form,
        earlier=lead_imports.earlier_import_of_same_file(db.session, lead_import),
    )


@bp.route("/<int:campaign_id>/imports/<int:import_id>")
@roles(*MANAGERS)
def import_page(campaign_id: int, import_id: int) -> str:
    lead_import = _import(campaign_id, import_id)
    finished = lead_import.status in (ImportStatus.DONE, ImportStatus.FAILED)
    return render_template(
        "campaigns/import.html",
        lead_import=lead_import,
        campaign=lead_import.campaign,
        progress=_progress(lead_import),
        finished=finished,
        counts=lead_rejections.rejection_counts(db.session, import_id) if finished else {},
        rejections=lead_rejections.rejections(db.session, import_id, REPORT_ROWS)
        if finished
        else [],
        reason_label=lambda reason: lead_rejections.reason_label(reason, _),
        detail_text=lambda detail: lead_rejections.detail_text(detail, _),
        action=ConfirmForm(),
        can_retry=run_progress.can_retry(lead_import, job_active=_job_active(lead_import)),
        interrupted=lead_imports.was_interrupted(lead_import),
    )


@bp.route("/<int:campaign_id>/imports/<int:import_id>/progress")
@roles(*MANAGERS)
def import_progress(campaign_id: int, import_id: int) -> Response:
    return jsonify(_progress(_import(campaign_id, import_id)))


@bp.route("/<int:campaign_id>/imports/<int:import_id>/rejections.csv")
@roles(*MANAGERS)
def rejection_report(campaign_id: int, import_id: int) -> Response:
    lead_import = _import(campaign_id, import_id)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel opens UTF-8 with a BOM as UTF-8 (Vietnamese intact)
    lead_rejections.write_rejection_report(db.session, lead_import.id, buffer, _)
    name = f"import-{lead_import.id}-rejections.csv"
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/<int:campaign_id>/imports/<int:import_id>/retry", methods=["POST"])
@roles(*MANAGERS)
def retry_import(campaign_id: int, import_id: int) -> Response:
    lead_import = _import(campaign_id, import_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    redis_hub.require()
    if run_progress.retry_import(lead_import, job_active=_job_active(lead_import)):
        db.session.commit()
        enqueue_import(redis_hub.queue(QUEUE), lead_import.id)
    return redirect(url_for(".import_page", campaign_id=campaign_id, import_id=import_id))


# ---------------------------------------------------------------------- helpers


def _region() -> str:
    return current_app.config["DIALER_DEFAULT_REGION"]


def _campaign(campaign_id: int) -> Campaign:
    return db.get_or_404(Campaign, campaign_id)


def _import(campaign_id: int, import_id: int) -> LeadImport:
    lead_import = db.get_or_404(LeadImport, import_id)
    if lead_import.campaign_id != campaign_id:
        abort(404)
    return lead_import


def _job_active(lead_import: LeadImport) -> bool:
    return active_job(redis_hub.client, lead_import.id) is not None


def _progress(lead_import: LeadImport) -> dict[str, Any]:
    published = None
    if lead_import.status not in run_progress.FINISHED:
        published = read_progress(redis_hub.client, lead_import.id)
    return run_progress.page_progress(lead_import, published, job_active=_job_active(lead_import))
