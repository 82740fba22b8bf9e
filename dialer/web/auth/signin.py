"""Sign in (agent id, password, extension), sign out, and the language choice."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from dialer import live
from dialer.access import ALL_STAFF, public, roles
from dialer.domain.people import accounts, agents
from dialer.extensions import db, login_manager
from dialer.jobs import membership as membership_jobs
from dialer.models import User, utcnow
from dialer.web.auth import throttle
from dialer.web.auth.forms import LanguageForm, LoginForm

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(cookie_id: str) -> User | None:
    user_id, _sep, version = cookie_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active_user or user.session_version != int(version):
        return None
    return user


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None  # a backslash or a control character (CR/LF would split the header)
    return target


def login_messages() -> dict[str, str]:
    return {
        accounts.BAD_CREDENTIALS: _("Wrong agent id or password."),
        accounts.EXTENSION_REQUIRED: _("Enter your extension."),
        accounts.UNKNOWN_EXTENSION: _("This extension does not exist."),
        accounts.EXTENSION_IN_USE: _("Another agent is signed in on this extension."),
        accounts.CALL_IN_PROGRESS: _(
            "You have a call up on another extension. Sign in on that extension to take it over."
        ),
    }


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Any:
    form = LoginForm(next=request.args.get("next", ""))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("home.index"))
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)
    address = request.remote_addr or "unknown"
    locked_for = throttle.seconds_locked(form.username.data, address)
    if locked_for:
        minutes = max(1, round(locked_for / 60))
        flash(_("Too many failed sign-ins. Try again in %(n)d minutes.", n=minutes), "error")
        return render_template("auth/login.html", form=form), 429
    try:
        signed_in = accounts.sign_in(
            db.session, form.username.data, form.password.data, form.extension.data, now=utcnow()
        )
    except accounts.LoginRefused as refused:
        db.session.rollback()
        accounts.record_failed_sign_in(db.session, form.username.data, refused.code, address)
        db.session.commit()
        if refused.code == accounts.BAD_CREDENTIALS:
            throttle.record_failure(form.username.data, address)
        flash(login_messages()[refused.code], "error")
        return render_template("auth/login.html", form=form), 401
    # The language picked on this page is the latest choice: it is kept, and remembered.
    chosen = session.get("language")
    if chosen in current_app.config["LANGUAGES"]:
        signed_in.user.language = chosen
    live.commit_then_publish(signed_in.notices)
    throttle.clear_failures(form.username.data, address)
    session.clear()  # a fresh session: no fixation
    if chosen in current_app.config["LANGUAGES"]:
        session["language"] = chosen
    login_user(signed_in.user)
    if signed_in.agent_session is not None:
        membership_jobs.enqueue_syncs([signed_in.agent_session.extension.number])
    return redirect(safe_next(form.next.data) or url_for("home.index"))


@bp.route("/logout", methods=["POST"])
@roles(*ALL_STAFF)
def logout() -> Response:
    notices = agents.sign_out(db.session, current_user._get_current_object(), utcnow())
    live.commit_then_publish(notices)
    membership_jobs.enqueue_syncs(membership_jobs.extensions_in(notices))
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language", methods=["POST"])
@public
def set_language() -> Response:
    form = LanguageForm()
    if form.validate_on_submit():
        session["language"] = form.language.data
        if current_user.is_authenticated:
            current_user.language = form.language.data
            db.session.commit()
    return redirect(safe_next(form.next.data) or url_for("home.index"))
