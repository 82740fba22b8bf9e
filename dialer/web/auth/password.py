"""Every user's own password: the change-password page, and the sign-in that requires it first.

A user whose password an admin set (or who was created with "must change")
reaches nothing but this page, sign-out and the language choice until the
password is changed; the API answers 403 ``password_change_required``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from dialer.access import ALL_STAFF, roles
from dialer.domain.errors import DomainError
from dialer.domain.people import users
from dialer.extensions import db
from dialer.web.admin import show_refusal
from dialer.web.admin.forms import ChangePasswordForm

bp = Blueprint("account", __name__, url_prefix="/account")

# What a user who must change their password may still reach.
OPEN_WHILE_CHANGING = frozenset(
    {"account.password", "auth.logout", "auth.login", "auth.set_language", "static"}
)


@bp.before_app_request
def _password_change_first() -> Any:
    if request.endpoint is None or request.endpoint in OPEN_WHILE_CHANGING:
        return None
    if not current_user.is_authenticated or not current_user.must_change_password:
        return None
    if request.path.startswith("/api/"):
        if request.endpoint == "api.delete_session":
            return None
        body = {"code": "password_change_required", "message": _("Change your password first.")}
        return jsonify(body), 403
    return redirect(url_for("account.password"))


@bp.route("/password", methods=["GET", "POST"])
@roles(*ALL_STAFF)
def password() -> Any:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            users.change_own_password(
                db.session,
                user,
                form.current.data or "",
                form.password.data or "",
                form.confirm.data or "",
            )
        except DomainError as error:
            db.session.rollback()
            show_refusal(form, error)
        else:
            db.session.commit()
            login_user(user)  # the new session version: this browser stays signed in
            flash(_("Your password is changed."), "success")
            return redirect(url_for("home.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/password.html", form=form), status
