"""Extensions and queues pages (admin): create, edit, retire; queue members."""

from __future__ import annotations

import contextlib
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from redis.exceptions import RedisError

from dialer import live
from dialer.access import ADMINS, roles
from dialer.domain.admin import extensions, queues
from dialer.domain.errors import DomainError
from dialer.extensions import db, redis_hub
from dialer.jobs import membership as membership_jobs
from dialer.models import Extension, Queue
from dialer.web.admin import bp, show_refusal
from dialer.web.admin.forms import AddMemberForm, ExtensionForm, QueueDescriptionForm, QueueForm
from dialer.web.auth.forms import ConfirmForm

# ------------------------------------------------------------- extensions


def _extensions_page(form: ExtensionForm, status: int = 200) -> Any:
    rows = extensions.list_extensions(db.session)
    states = membership_jobs.device_states(
        [r.extension.number for r in rows if r.extension.is_enabled]
    )
    return (
        render_template(
            "admin/extensions.html", rows=rows, states=states, form=form, action=ConfirmForm()
        ),
        status,
    )


@bp.get("/extensions/")
@roles(*ADMINS)
def extensions_index() -> Any:
    return _extensions_page(ExtensionForm(formdata=None))


@bp.post("/extensions/")
@roles(*ADMINS)
def extension_create() -> Any:
    form = ExtensionForm()
    if not form.validate_on_submit():
        return _extensions_page(form, 400)
    try:
        extension = extensions.create_extension(
            db.session, form.number.data, form.description.data or "", actor_id=current_user.id
        )
    except DomainError as error:
        db.session.rollback()
        show_refusal(form, error)
        return _extensions_page(form, 400)
    db.session.commit()
    flash(_("Extension %(number)s is created.", number=extension.number), "success")
    return redirect(url_for(".extensions_index"))


@bp.route("/extensions/<int:extension_id>", methods=["GET", "POST"])
@roles(*ADMINS)
def extension_edit(extension_id: int) -> Any:
    extension = db.session.get(Extension, extension_id) or abort(404)
    form = ExtensionForm(obj=None if request.method == "POST" else extension)
    if form.validate_on_submit():
        try:
            extensions.update_extension(
                db.session,
                extension_id,
                form.number.data,
                form.description.data or "",
                actor_id=current_user.id,
            )
        except DomainError as error:
            db.session.rollback()
            show_refusal(form, error)
        else:
            db.session.commit()
            flash(_("Extension %(number)s is saved.", number=form.number.data.strip()), "success")
            return redirect(url_for(".extensions_index"))
    status = 400 if request.method == "POST" else 200
    extension = db.session.get(Extension, extension_id)
    return render_template("admin/extension_form.html", form=form, extension=extension), status


@bp.post("/extensions/<int:extension_id>/retire")
@roles(*ADMINS)
def extension_retire(extension_id: int) -> Any:
    return _extension_retired(extension_id, "retire")


@bp.post("/extensions/<int:extension_id>/restore")
@roles(*ADMINS)
def extension_restore(extension_id: int) -> Any:
    return _extension_retired(extension_id, "restore")


def _extension_retired(extension_id: int, what: str) -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    extension = extensions.set_extension_retired(
        db.session, extension_id, what == "retire", actor_id=current_user.id
    )
    db.session.commit()
    if what == "retire":
        flash(_("Extension %(number)s is retired.", number=extension.number), "success")
    else:
        flash(_("Extension %(number)s is in use again.", number=extension.number), "success")
    return redirect(url_for(".extensions_index"))


# ----------------------------------------------------------------- queues


@bp.get("/queues/")
@roles(*ADMINS)
def queues_index() -> Any:
    return _queues_page(QueueForm(formdata=None))


def _queues_page(form: QueueForm, status: int = 200) -> Any:
    rows = queues.list_queues(db.session)
    return render_template("admin/queues.html", rows=rows, form=form), status


@bp.post("/queues/")
@roles(*ADMINS)
def queue_create() -> Any:
    form = QueueForm()
    if not form.validate_on_submit():
        return _queues_page(form, 400)
    try:
        queue = queues.create_queue(
            db.session, form.name.data, form.description.data or "", actor_id=current_user.id
        )
    except DomainError as error:
        db.session.rollback()
        show_refusal(form, error)
        return _queues_page(form, 400)
    db.session.commit()
    flash(_("Queue %(name)s is created.", name=queue.name), "success")
    return redirect(url_for(".queue_detail", queue_id=queue.id))


def _queue_page(queue: Queue, form: QueueDescriptionForm, status: int = 200) -> Any:
    add = AddMemberForm(formdata=None)
    add.username.choices = [
        (u.username, f"{u.username} — {u.display_name}")
        for u in queues.candidates(db.session, queue.id)
    ]
    return (
        render_template(
            "admin/queue.html",
            queue=queue,
            form=form,
            add=add,
            members=queues.members(db.session, queue.id),
            action=ConfirmForm(),
        ),
        status,
    )


@bp.route("/queues/<int:queue_id>", methods=["GET", "POST"])
@roles(*ADMINS)
def queue_detail(queue_id: int) -> Any:
    queue = db.session.get(Queue, queue_id) or abort(404)
    form = QueueDescriptionForm(obj=None if request.method == "POST" else queue)
    if request.method == "POST":
        if not form.validate_on_submit():
            return _queue_page(queue, form, 400)
        queues.update_queue(
            db.session,
            queue_id,
            form.description.data or "",
            actor_id=current_user.id,
            record_calls=bool(form.record_calls.data),
        )
        db.session.commit()
        flash(_("Queue %(name)s is saved.", name=queue.name), "success")
        return redirect(url_for(".queue_detail", queue_id=queue_id))
    return _queue_page(queue, form)


def _synced(change: queues.QueueChange) -> None:
    db.session.commit()
    membership_jobs.enqueue_syncs(change.extensions)
    with contextlib.suppress(RedisError):  # the change holds; the bar catches up on reload
        live.publish_notices(redis_hub.client, change.notices)


@bp.post("/queues/<int:queue_id>/members")
@roles(*ADMINS)
def queue_add_member(queue_id: int) -> Any:
    form = AddMemberForm()
    if not form.validate_on_submit():
        abort(400)
    change = queues.add_member(db.session, queue_id, form.username.data, actor_id=current_user.id)
    _synced(change)
    flash(
        _("%(agent)s is in queue %(name)s.", agent=form.username.data, name=change.queue.name),
        "success",
    )
    return redirect(url_for(".queue_detail", queue_id=queue_id))


@bp.post("/queues/<int:queue_id>/members/<int:user_id>/remove")
@roles(*ADMINS)
def queue_remove_member(queue_id: int, user_id: int) -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    change = queues.remove_member(db.session, queue_id, user_id, actor_id=current_user.id)
    _synced(change)
    flash(_("The member left queue %(name)s.", name=change.queue.name), "success")
    return redirect(url_for(".queue_detail", queue_id=queue_id))


@bp.post("/queues/<int:queue_id>/retire")
@roles(*ADMINS)
def queue_retire(queue_id: int) -> Any:
    return _queue_retired(queue_id, "retire")


@bp.post("/queues/<int:queue_id>/restore")
@roles(*ADMINS)
def queue_restore(queue_id: int) -> Any:
    return _queue_retired(queue_id, "restore")


def _queue_retired(queue_id: int, what: str) -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    change = queues.set_queue_retired(
        db.session, queue_id, what == "retire", actor_id=current_user.id
    )
    _synced(change)
    if what == "retire":
        flash(_("Queue %(name)s is retired.", name=change.queue.name), "success")
    else:
        flash(_("Queue %(name)s is in use again.", name=change.queue.name), "success")
    return redirect(url_for(".queue_detail", queue_id=queue_id))
