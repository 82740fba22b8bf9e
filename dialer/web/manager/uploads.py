"""Uploaded files: saved under instance/ with a name of our own, and the 413 page."""

from __future__ import annotations

import uuid
from pathlib import Path

from flask import current_app, render_template
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge


def save_upload(storage: FileStorage, kind: str) -> Path:
    """Store the upload as instance/uploads/KIND/<random><ext>; the user's name is never a path."""
    folder = Path(current_app.instance_path) / "uploads" / kind
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(storage.filename or "").suffix.lower()
    path = folder / f"{uuid.uuid4().hex}{suffix if suffix.isascii() and len(suffix) <= 6 else ''}"
    storage.save(path)
    return path


def too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
    """The 413 page, saying what the limit is."""
    from dialer.web.errors import too_large_message

    return render_template("errors/error.html", code=413, message=too_large_message()), 413
