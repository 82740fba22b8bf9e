"""The blacklist page: add, remove, search and upload numbers that must never be called."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from dialer.access import MANAGERS, roles
from dialer.domain import audit
from dialer.domain.campaigns import blacklist as numbers
from dialer.domain.leads.rejections import reason_label
from dialer.domain.leads.terms import UnreadableFile
from dialer.extensions import db
from dialer.models import utcnow
from dialer.web import limits
from dialer.web.auth.forms import ConfirmForm
from dialer.web.limits import accepts_upload
from dialer.web.manager import messages, uploads
from dialer.web.manager.forms import BlacklistAddForm, BlacklistUploadForm

bp = Blueprint("blacklist", __name__, url_prefix="/blacklist")
PER_PAGE = 50
SHOWN_REFUSALS = 50


bp.register_error_handler(RequestEntityTooLarge, uploads.too_large)


@bp.route("/")
@roles(*MANAGERS)
def index() -> str:
    return _page(BlacklistAddForm(formdata=None), BlacklistUploadForm(formdata=None))


def _page(add: BlacklistAddForm, upload: BlacklistUploadForm, status: int = 200) -> Any:
    query = request.args.get("q", "")
    page = limits.parse_page(request.args.get("page")) or 1
    entries, total = numbers.search(db.session, query, page=page, per_page=PER_PAGE)
    return (
        render_template(
            "blacklist/index.html",
            entries=entries,
            total=total,
            query=query,
            page=page,
            pages=max(1, -(-total // PER_PAGE)),
            add=add,
            upload=upload,
            action=ConfirmForm(),
        ),
        status,
    )


@bp.route("/add", methods=["POST"])
@roles(*MANAGERS)
def add() -> Any:
    form = BlacklistAddForm()
    if not form.validate_on_submit():
        return _page(form, BlacklistUploadForm(formdata=None), 400)
    try:
        entry = numbers.add_number(
            db.session,
            form.number.data,
            form.reason.data or "",
            added_by_id=current_user.id,
            region=current_app.config["DIALER_DEFAULT_REGION"],
        )
    except numbers.BlacklistError as error:
        db.session.rollback()
        form.number.errors.append(messages.blacklist_error(error))
        return _page(form, BlacklistUploadForm(formdata=None), 400)
    audit.record(db.session, "blacklist_added", actor_id=current_user.id, phone=entry.phone)
    db.session.commit()
    flash(_("%(number)s is blacklisted for every campaign.", number=entry.phone), "success")
    return redirect(url_for(".index"))


@bp.route("/<int:entry_id>/remove", methods=["POST"])
@roles(*MANAGERS)
def remove(entry_id: int) -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    entry = numbers.remove_number(db.session, entry_id)
    if entry is None:
        abort(404)
    audit.record(db.session, "blacklist_removed", actor_id=current_user.id, phone=entry.phone)
    db.session.commit()
    flash(_("%(number)s is no longer blacklisted.", number=entry.phone), "success")
    return redirect(url_for(".index", q=request.args.get("q", "")))


@bp.route("/upload", methods=["POST"])
@roles(*MANAGERS)
@accepts_upload
def upload() -> Any:
    form = BlacklistUploadForm()
    if not form.validate_on_submit():
        return _page(BlacklistAddForm(formdata=None), form, 400)
    path = uploads.save_upload(form.file.data, "blacklist")
    try:
        result = numbers.upload_numbers(
            db.session,
            path,
            form.reason.data or "",
            added_by_id=current_user.id,
            region=current_app.config["DIALER_DEFAULT_REGION"],
            now=utcnow(),
        )
    except UnreadableFile as error:
        db.session.rollback()
        form.file.errors.append(messages.unreadable(error))
        return _page(BlacklistAddForm(formdata=None), form, 400)
    finally:
        path.unlink(missing_ok=True)
    audit.record(
        db.session,
        "blacklist_uploaded",
        actor_id=current_user.id,
        added=result.added,
        refused=len(result.refused),
    )
    db.session.commit()
    flash(
        _(
            "%(added)s numbers blacklisted, %(already)s were already, %(refused)s refused.",
            added=result.added,
            already=result.already,
            refused=len(result.refused),
        ),
        "success",
    )
    for line, value, why in result.refused[:SHOWN_REFUSALS]:
        flash(
            _(
                "Line %(line)s: %(value)s — %(why)s",
                line=line,
                value=value,
                why=reason_label(why, _),
            ),
            "error",
        )
    return redirect(url_for(".index"))
