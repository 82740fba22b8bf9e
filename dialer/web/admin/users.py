"""People pages (admin): list and search, create, edit, passwords, deactivate, bulk create."""

from __future__ import annotations

import contextlib
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from redis.exceptions import RedisError
from sqlalchemy import select

from dialer import live
from dialer.access import ADMINS, roles
from dialer.domain.errors import DomainError
from dialer.domain.leads.terms import UnreadableFile
from dialer.domain.people import bulk, users
from dialer.extensions import db, redis_hub
from dialer.jobs import membership as membership_jobs
from dialer.models import Queue, User, utcnow
from dialer.web.admin import bp, page_number, show_refusal
from dialer.web.admin.forms import BulkUsersForm, NewUserForm, SetPasswordForm, UserForm
from dialer.web.admin.messages import sentence
from dialer.web.auth.forms import ConfirmForm
from dialer.web.manager import messages as manager_messages
from dialer.web.manager import uploads

PER_PAGE = 50


def _queue_choices() -> list[tuple[str, str]]:
    names = db.session.scalars(select(Queue.name).where(Queue.is_enabled).order_by(Queue.name))
    return [(name, name) for name in names]


def _data(form: UserForm) -> users.UserData:
    return users.UserData(
        username=form.username.data or "",
        display_name=form.display_name.data or "",
        role=form.role.data or "",
        extension=form.extension.data or "",
        queues=tuple(form.queues.data or ()),
        email=form.email.data or "",
    )


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/users/")
@roles(*ADMINS)
def users_index() -> str:
    query, role = request.args.get("q", ""), request.args.get("role", "")
    status = request.args.get("status", "active")
    active = {"active": True, "inactive": False}.get(status)
    page = page_number(request.args.get("page", 1, type=int))
    found, total = users.search_users(
        db.session, query, role=role, active=active, page=page, per_page=PER_PAGE
    )
    return render_template(
        "admin/users.html",
        users=found,
        queues={u.id: users.queue_names_of(db.session, u.id) for u in found},
        total=total,
        query=query,
        role=role,
        status=status,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
    )


@bp.route("/users/new", methods=["GET", "POST"])
@roles(*ADMINS)
def user_new() -> Any:
    form = NewUserForm()
    form.queues.choices = _queue_choices()
    if not form.validate_on_submit():
        return render_template("admin/user_form.html", form=form, user=None), (
            400 if request.method == "POST" else 200
        )
    try:
        user = users.create_user(
            db.session,
            _data(form),
            form.password.data or "",
            actor_id=current_user.id,
            must_change_password=form.must_change_password.data,
        )
    except DomainError as error:
        db.session.rollback()
        show_refusal(form, error)
        return render_template("admin/user_form.html", form=form, user=None), 400
    db.session.commit()
    flash(_("%(agent)s is created.", agent=user.username), "success")
    return redirect(url_for(".users_index"))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles(*ADMINS)
def user_edit(user_id: int) -> Any:
    user = _user_or_404(user_id)
    form = UserForm(obj=None if request.method == "POST" else user)
    form.queues.choices = _queue_choices()
    if request.method == "GET":
        form.extension.data = user.default_extension.number if user.default_extension else ""
        form.queues.data = users.queue_names_of(db.session, user.id)
    if not form.validate_on_submit():
        return _edit_page(user, form, 400 if request.method == "POST" else 200)
    try:
        users.update_user(db.session, user.id, _data(form), actor_id=current_user.id)
    except DomainError as error:
        db.session.rollback()
        show_refusal(form, error)
        return _edit_page(db.session.get(User, user_id), form, 400)
    db.session.commit()
    # Queues changed while signed in: the PBX follows at once.
    membership_jobs.enqueue_syncs([users.signed_in_extension(db.session, user.id)])
    flash(_("%(agent)s is saved.", agent=user.username), "success")
    return redirect(url_for(".user_edit", user_id=user.id))


def _edit_page(user: User, form: UserForm, status: int, password: SetPasswordForm | None = None):  # noqa: ANN202
    return (
        render_template(
            "admin/user_form.html",
            form=form,
            user=user,
            password_form=password or SetPasswordForm(formdata=None),
            action=ConfirmForm(),
            signed_in_on=users.signed_in_extension(db.session, user.id),
        ),
        status,
    )


@bp.post("/users/<int:user_id>/password")
@roles(*ADMINS)
def user_password(user_id: int) -> Any:
    user = _user_or_404(user_id)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            users.set_password(
                db.session,
                user.id,
                form.password.data or "",
                actor_id=current_user.id,
                must_change_password=form.must_change_password.data,
            )
        except DomainError as error:
            db.session.rollback()
            show_refusal(form, error)
        else:
            db.session.commit()
            flash(_("The password of %(agent)s is set.", agent=user.username), "success")
            return redirect(url_for(".user_edit", user_id=user.id))
    edit = UserForm(formdata=None, obj=user)
    edit.queues.choices = _queue_choices()
    edit.queues.data = users.queue_names_of(db.session, user.id)
    return _edit_page(user, edit, 400, password=form)


@bp.post("/users/<int:user_id>/deactivate")
@roles(*ADMINS)
def user_deactivate(user_id: int) -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    actor = current_user._get_current_object()
    done = users.deactivate_user(db.session, user_id, actor=actor, now=utcnow())
    db.session.commit()
    with contextlib.suppress(RedisError):  # the sign-out holds; only the live push is lost
        live.publish_notices(redis_hub.client, done.notices)
    membership_jobs.enqueue_syncs(done.extensions)
    flash(_("%(agent)s is deactivated and signed out.", agent=done.user.username), "success")
    return redirect(url_for(".user_edit", user_id=user_id))


@bp.post("/users/<int:user_id>/reactivate")
@roles(*ADMINS)
def user_reactivate(user_id: int) -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = users.reactivate_user(db.session, user_id, actor_id=current_user.id)
    db.session.commit()
    flash(_("%(agent)s may sign in again.", agent=user.username), "success")
    return redirect(url_for(".user_edit", user_id=user_id))


@bp.route("/users/import", methods=["GET", "POST"])
@roles(*ADMINS)
def users_import() -> Any:
    form = BulkUsersForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("admin/users_import.html", form=form, result=None), status
    path = uploads.save_upload(form.file.data, "users")
    try:
        result = bulk.create_from_file(
            db.session, path, form.password.data or "", actor_id=current_user.id
        )
    except UnreadableFile as error:
        db.session.rollback()
        form.file.errors = [manager_messages.unreadable(error)]
        return render_template("admin/users_import.html", form=form, result=None), 400
    except DomainError as error:
        db.session.rollback()
        show_refusal(form, error)
        return render_template("admin/users_import.html", form=form, result=None), 400
    finally:
        path.unlink(missing_ok=True)
    db.session.commit()
    refused = [(row.line, row.agent_id, row_reason(row.code, row.params)) for row in result.refused]
    return render_template("admin/users_import.html", form=form, result=result, refused=refused)


def row_reason(code: str, params: dict) -> str:
    """Why one row of a bulk file was refused, in words."""
    if code == bulk.MALFORMED_ROW:
        return _("the row does not fit the header")
    return sentence(code, params)
