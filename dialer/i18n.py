"""Two languages from the first page: English source text, Vietnamese translation."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, current_app, request, session
from flask_babel import get_locale
from flask_login import current_user

from dialer.extensions import babel

LANGUAGE_NAMES = {"en": "English", "vi": "Tiếng Việt"}


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config["DIALER_TIMEZONE"])
    if "BABEL_TRANSLATION_DIRECTORIES" not in app.config:
        # The .po files ship in the package; their compiled .mo go to instance/, never
        # into the package (which may be read-only once installed).
        compiled = os.path.join(app.instance_path, "translations")
        compile_catalogs(os.path.join(os.path.dirname(__file__), "translations"), compiled)
        app.config["BABEL_TRANSLATION_DIRECTORIES"] = compiled
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    app.jinja_env.globals["state_label"] = state_label
    app.jinja_env.globals["get_locale"] = get_locale


def compile_catalogs(source: str, target: str) -> None:
    """Compile each .po under ``source`` to a .mo under ``target`` when missing or older."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in Path(source).glob("*/LC_MESSAGES/*.po"):
        mo_path = Path(target) / po_path.relative_to(source).with_suffix(".mo")
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        tmp_path = mo_path.with_suffix(f".{os.getpid()}.tmp")
        with tmp_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        tmp_path.replace(mo_path)  # atomic: several processes may start at once


def select_locale() -> str:
    """The user's saved choice, then the session's, then the browser's, then English."""
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    chosen = session.get("language")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or "en"


def select_timezone() -> str:
    return current_app.config["DIALER_TIMEZONE"]


def state_label(state: str) -> str:
    """The agent state as people read it, in the page's language."""
    from flask_babel import gettext as _

    labels = {
        "ready": _("Ready"),
        "paused": _("Paused"),
        "ringing": _("Ringing"),
        "connected": _("Connected"),
        "wrapup": _("After call"),
        "unavailable": _("Extension unavailable"),
        "logged_out": _("Signed out"),
    }
    return labels.get(state, state)
