"""The pages of the manager, supervisor and admin, as an admin (who may open all of them) sees
them on the demo data: for browser tests that walk every page."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from dialer.extensions import db
from dialer.models import Call, Campaign, Extension, LeadImport, PauseReason, Queue, Survey, User


def staff_pages(app: Flask) -> list[str]:
    """Each page's path, the ones about one record filled with the first such record."""
    with app.app_context():
        first = {
            model: db.session.scalar(select(model.id).order_by(model.id).limit(1))
            for model in (Campaign, Survey, User, Extension, Queue, PauseReason, LeadImport, Call)
        }
    campaign = first[Campaign]
    pages = [
        "/manager/",
        "/campaigns/",
        "/campaigns/new",
        f"/campaigns/{campaign}",
        f"/campaigns/{campaign}/edit",
        f"/campaigns/{campaign}/dispositions/",
        f"/campaigns/{campaign}/imports/{first[LeadImport]}",
        f"/dashboard/campaigns/{campaign}",
        f"/leads/campaigns/{campaign}",
        f"/results/campaigns/{campaign}",
        "/results/calls",
        "/surveys/",
        "/surveys/new",
        f"/surveys/{first[Survey]}/edit",
        "/blacklist/",
        "/pause-reasons/",
        f"/pause-reasons/{first[PauseReason]}",
        "/supervisor/",
        "/reports/agents/",
        "/history/",
        "/admin/users/",
        "/admin/users/new",
        "/admin/users/import",
        f"/admin/users/{first[User]}",
        "/admin/extensions/",
        f"/admin/extensions/{first[Extension]}",
        "/admin/queues/",
        f"/admin/queues/{first[Queue]}",
        "/admin/audit/",
        "/admin/crm/",
        "/account/password",
    ]
    if first[Call] is not None:
        pages.append(f"/results/calls/{first[Call]}")
    return pages


def sign_in_as_admin(page, url: str) -> None:  # noqa: ANN001
    """Sign the demo admin in on ``page``."""
    page.goto(url + "/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "admin-demo")
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
