"""The campaign dashboard over HTTP: shared cached figures, refusals named, both languages."""

from __future__ import annotations

from dialer.extensions import db
from dialer.models import Role, User
from tests.factories.desk import make_desk
from tests.factories.people import make_user
from tests.support.web import login


def _viewer(app, role: Role = Role.SUPERVISOR):  # noqa: ANN001, ANN202
    with app.app_context():
        make_user(db.session, "boss", role=role, password="boss-pass")
        db.session.commit()
    client = app.test_client()
    login(client, "boss", "boss-pass")
    return client


def test_the_figures_come_as_json_with_the_reason_in_words(app) -> None:
    desk = make_desk(app, leads=3)
    boss = _viewer(app)
    data = boss.get(f"/api/dashboard/campaigns/{desk.campaign_id}").get_json()
    assert data["leads"]["total"] == 3 and data["leads"]["dialled"] == 0
    assert data["outcomes"] == {} and data["contact_rate"] is None
    assert data["is_stale"] is False
    page = boss.get(f"/dashboard/campaigns/{desk.campaign_id}").get_data(as_text=True)
    assert 'data-testid="dashboard"' in page and "chart.umd.js" in page


def test_a_missing_campaign_and_a_bad_date_are_named(app) -> None:
    desk = make_desk(app)
    boss = _viewer(app, Role.MANAGER)
    missing = boss.get("/api/dashboard/campaigns/9999")
    assert missing.status_code == 404
    assert missing.get_json() == {
        "code": "report_campaign_unknown",
        "message": "There is no campaign 9999.",
    }
    bad = boss.get(f"/api/dashboard/campaigns/{desk.campaign_id}?date=31/12/2026")
    assert bad.status_code == 400
    assert bad.get_json()["message"] == "31/12/2026 is not a date. Give it as YYYY-MM-DD."
    page = boss.get(f"/dashboard/campaigns/{desk.campaign_id}?date=yesterday")
    assert page.status_code == 302
    shown = boss.get(page.headers["Location"]).get_data(as_text=True)
    assert "yesterday is not a date. Give it as YYYY-MM-DD." in shown


def test_the_dashboard_speaks_vietnamese(app) -> None:
    desk = make_desk(app)
    boss = _viewer(app)
    with app.app_context():
        db.session.query(User).filter_by(username="boss").update({"language": "vi"})
        db.session.commit()
    page = boss.get(f"/dashboard/campaigns/{desk.campaign_id}").get_data(as_text=True)
    assert "Tỉ lệ liên lạc được" in page
    missing = boss.get("/api/dashboard/campaigns/9999").get_json()
    assert missing["message"] == "Không có chiến dịch 9999."


def test_agents_may_not_see_the_dashboard(app, client) -> None:
    desk = make_desk(app)
    with app.app_context():
        make_user(db.session, "plain", role=Role.AGENT, password="pw", extension="1009")
        db.session.commit()
    login(client, "plain", "pw", "1009")
    assert client.get(f"/dashboard/campaigns/{desk.campaign_id}").status_code == 403
    assert client.get(f"/api/dashboard/campaigns/{desk.campaign_id}").status_code == 403
