"""The manager's home: campaigns and their progress."""

from __future__ import annotations

from flask import Blueprint, render_template

from dialer.access import SUPERVISORS, roles
from dialer.domain.reports.overview import campaign_progress
from dialer.extensions import db

bp = Blueprint("manager", __name__, url_prefix="/manager")


@bp.route("/")
@roles(*SUPERVISORS)
def home() -> str:
    return render_template("manager/home.html", campaigns=campaign_progress(db.session))
