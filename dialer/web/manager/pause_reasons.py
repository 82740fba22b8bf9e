"""The manager's pause reasons page (A3): add, rename in both languages, order, retire."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from dialer.access import MANAGERS, roles
from dialer.domain.admin import pause_reasons as reasons
from dialer.domain.errors import DomainError
from dialer.extensions import db
from dialer.models import PauseReason
from dialer.web.admin import show_refusal
from dialer.web.admin.forms import PauseReasonForm
from dialer.web.auth.forms import ConfirmForm

bp = Blueprint("pause_reasons", __name__, url_prefix="/pause-reasons")


def _data(form: PauseReasonForm) -> reasons.ReasonData:
    return reasons.ReasonData(
        name=form.name.data or "",
        name_vi=form.name_vi.data or "",
        is_paid=bool(form.is_paid.data),
        max_minutes=form.max_minutes.data,
    )


def _index_page(form: PauseReasonForm, status: int = 200) -> Any:
    return (
        render_template(
            "pause_reasons/index.html",
            reasons=reasons.list_reasons(db.session),
            form=form,
            action=ConfirmForm(),
        ),
        status,
    )


@bp.get("/")
@roles(*MANAGERS)
def index() -> Any:
    return _index_page(PauseReasonForm(formdata=None))


@bp.post("/")
@roles(*MANAGERS)
def create() -> Any:
    form = PauseReasonForm()
    if not form.validate_on_submit():
        return _index_page(form, 400)
    try:
        reason = reasons.create_reason(db.session, _data(form), actor_id=current_user.id)
    except DomainError as error:
        db.session.rollback()
        show_refusal(form, error)
        return _index_page(form, 400)
    db.session.commit()
    flash(_("The pause reason %(name)s is added.", name=reason.name), "success")
    return redirect(url_for(".index"))


@bp.route("/<int:reason_id>", methods=["GET", "POST"])
@roles(*MANAGERS)
def edit(reason_id: int) -> Any:
    reason = db.session.get(PauseReason, reason_id)
    if reason is None or reason.is_system:
        abort(404)
    form = PauseReasonForm(obj=None if request.method == "POST" else reason)
    if form.validate_on_submit():
        try:
            reasons.update_reason(db.session, reason_id, _data(form), actor_id=current_user.id)
        except DomainError as error:
            db.session.rollback()
            show_refusal(form, error)
        else:
            db.session.commit()
            flash(_("The pause reason %(name)s is saved.", name=form.name.data), "success")
            return redirect(url_for(".index"))
    status = 400 if request.method == "POST" else 200
    reason = db.session.get(PauseReason, reason_id)
    return render_template("pause_reasons/form.html", form=form, reason=reason), status


@bp.post("/<int:reason_id>/up")
@roles(*MANAGERS)
def move_up(reason_id: int) -> Any:
    return _move(reason_id, -1)


@bp.post("/<int:reason_id>/down")
@roles(*MANAGERS)
def move_down(reason_id: int) -> Any:
    return _move(reason_id, 1)


def _move(reason_id: int, step: int) -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    reasons.move_reason(db.session, reason_id, step, actor_id=current_user.id)
    db.session.commit()
    return redirect(url_for(".index"))


@bp.post("/<int:reason_id>/retire")
@roles(*MANAGERS)
def retire(reason_id: int) -> Any:
    return _retire(reason_id, "retire")


@bp.post("/<int:reason_id>/restore")
@roles(*MANAGERS)
def restore(reason_id: int) -> Any:
    return _retire(reason_id, "restore")


def _retire(reason_id: int, what: str) -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    reason = reasons.set_reason_retired(
        db.session, reason_id, what == "retire", actor_id=current_user.id
    )
    db.session.commit()
    if what == "retire":
        flash(_("The pause reason %(name)s is retired.", name=reason.name), "success")
    else:
        flash(_("The pause reason %(name)s is in use again.", name=reason.name), "success")
    return redirect(url_for(".index"))
