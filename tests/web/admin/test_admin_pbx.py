"""Extensions, queues, pause reasons, the audit trail and the menus, over HTTP."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from dialer.domain.admin.pause_reasons import overdue_pauses
from dialer.domain.people import agents, snapshots
from dialer.extensions import db
from dialer.models import Extension, PauseReason, Queue, Role, utcnow
from tests.factories.people import make_agent, make_user
from tests.support.web import csrf_token, login
from tests.web.admin.admin_helpers import signed_in_admin


def post(client, page: str, action: str, **data: object):  # noqa: ANN001, ANN201
    return client.post(action, data={"csrf_token": csrf_token(client, page), **data})


def test_extensions_show_the_phone_and_who_is_signed_in(app, client, pbx):
    signed_in_admin(app, client)
    page = "/admin/extensions/"
    assert post(client, page, page, number="1001", description="Bàn 1").status_code == 302
    assert post(client, page, page, number="1002").status_code == 302
    with app.app_context():
        make_agent(db.session, "an", "1001", signed_in=True)
        db.session.commit()
    pbx.set_registered("1002", False)
    html = client.get(page).get_data(as_text=True)
    row_1001 = html.split('data-extension="1001"')[1].split("</tr>")[0]
    row_1002 = html.split('data-extension="1002"')[1].split("</tr>")[0]
    assert ">registered<" in row_1001 and ">an<" in row_1001 and "Bàn 1" in row_1001
    assert ">not registered<" in row_1002


def test_extension_bad_input_and_retiring_one_in_use(app, client):
    signed_in_admin(app, client)
    page = "/admin/extensions/"
    assert post(client, page, page, number="1001").status_code == 302
    duplicate = post(client, page, page, number="1001")
    assert duplicate.status_code == 400
    assert "Extension 1001 already exists." in duplicate.get_data(as_text=True)
    bad = post(client, page, page, number="10 01")
    assert bad.status_code == 400 and "is not valid" in bad.get_data(as_text=True)
    with app.app_context():
        make_agent(db.session, "an", "1001", signed_in=True)
        extension_id = db.session.scalar(select(Extension.id).where(Extension.number == "1001"))
        db.session.commit()
    refused = client.post(
        f"/admin/extensions/{extension_id}/retire",
        data={"csrf_token": csrf_token(client, page)},
        follow_redirects=True,
    )
    assert "Extension 1001 is in use: an is signed in on it." in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Extension, extension_id).is_enabled
        assert db.session.scalar(select(Extension.id).where(Extension.number == "10 01")) is None


def test_a_retired_extension_cannot_be_signed_in_on(app, client):
    signed_in_admin(app, client)
    page = "/admin/extensions/"
    post(client, page, page, number="1005")
    with app.app_context():
        make_user(db.session, "an", password="agent pass 1")
        extension_id = db.session.scalar(select(Extension.id).where(Extension.number == "1005"))
        db.session.commit()
    retired = post(client, page, f"/admin/extensions/{extension_id}/retire")
    assert retired.status_code == 302
    assert login(app.test_client(), "an", "agent pass 1", "1005").status_code == 401
    post(client, page, f"/admin/extensions/{extension_id}/restore")
    assert login(app.test_client(), "an", "agent pass 1", "1005").status_code == 302


def test_queue_names_the_pbx_would_refuse_are_refused(app, client):
    signed_in_admin(app, client)
    page = "/admin/queues/"
    for name in ("sales team", "sales/1", "hàng-đợi", "a,b", "x" * 65):
        response = post(client, page, page, name=name)
        assert response.status_code == 400, name
        assert "The PBX would refuse the queue name" in response.get_data(as_text=True)
    duplicate = post(client, page, page, name="SUPPORT")
    assert "A queue named SUPPORT already exists." in duplicate.get_data(as_text=True)
    assert post(client, page, page, name="vip.sales-2_x").status_code == 302
    with app.app_context():
        names = sorted(db.session.scalars(select(Queue.name)))
    assert names == ["sales", "support", "vip.sales-2_x"]


def test_queue_members_are_added_removed_and_retired_queues_take_nobody(app, client):
    signed_in_admin(app, client)
    with app.app_context():
        make_agent(db.session, "an", "1001", signed_in=False)
        queue_id = db.session.scalar(select(Queue.id).where(Queue.name == "sales"))
        db.session.commit()
    page = f"/admin/queues/{queue_id}"
    assert post(client, page, f"{page}/members", username="an").status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "<td>an</td>" in html.split('data-testid="members"')[1]
    with app.app_context():
        user_id = db.session.scalar(select(Queue).where(Queue.id == queue_id)).members[0].user_id
        assert snapshots.queue_names(db.session, user_id) == ["sales"]
    post(client, page, f"{page}/members/{user_id}/remove")
    with app.app_context():
        assert snapshots.queue_names(db.session, user_id) == []
    post(client, page, f"{page}/retire")
    refused = client.post(
        f"{page}/members",
        data={"csrf_token": csrf_token(client, page), "username": "an"},
        follow_redirects=True,
    )
    assert "The queue sales is retired." in refused.get_data(as_text=True)


def test_a_manager_keeps_the_pause_reasons_the_agent_sees(app, client):
    with app.app_context():
        make_user(db.session, "boss", role=Role.MANAGER, password="pw")
        db.session.commit()
    login(client, "boss", "pw")
    page = "/pause-reasons/"
    for name, vi in (("Lunch", "Ăn trưa"), ("Meeting", "Họp"), ("Training", "Đào tạo")):
        assert post(client, page, page, name=name, name_vi=vi).status_code == 302
    empty = post(client, page, page, name="Break", name_vi="")
    assert empty.status_code == 400
    with app.app_context():
        ids = {r.name: r.id for r in db.session.scalars(select(PauseReason))}
    post(client, page, f"/pause-reasons/{ids['Training']}/up")
    post(client, page, f"/pause-reasons/{ids['Training']}/up")  # now first
    post(client, page, f"/pause-reasons/{ids['Meeting']}/retire")
    renamed = post(
        client,
        f"/pause-reasons/{ids['Lunch']}",
        f"/pause-reasons/{ids['Lunch']}",
        name="Lunch break",
        name_vi="Nghỉ trưa",
        is_paid="y",
        max_minutes="45",
    )
    assert renamed.status_code == 302
    too_long = post(
        client,
        page,
        f"/pause-reasons/{ids['Lunch']}",
        name="Lunch",
        name_vi="Nghỉ trưa",
        max_minutes="5000",
    )
    assert too_long.status_code == 400
    with app.app_context():
        offered = [(r.name, r.name_vi) for r in agents.pausable_reasons(db.session)]
        lunch = db.session.get(PauseReason, ids["Lunch"])
        assert (lunch.is_paid, lunch.max_minutes) == (True, 45)
    assert offered == [("Training", "Đào tạo"), ("Lunch break", "Nghỉ trưa")]


def test_overdue_pauses_name_agents_paused_past_the_reasons_limit(app, ctx):
    now = utcnow()
    lunch = PauseReason(code="lunch", name="Lunch", max_minutes=30)
    coffee = PauseReason(code="coffee", name="Coffee")
    db.session.add_all([lunch, coffee])
    _an, an_session = make_agent(db.session, "an", "1001", now=now - timedelta(hours=2))
    _binh, binh_session = make_agent(db.session, "binh", "1002", now=now - timedelta(hours=2))
    _chi, chi_session = make_agent(db.session, "chi", "1003", now=now - timedelta(hours=2))
    db.session.flush()
    agents.pause(db.session, an_session.user_id, lunch.id, now - timedelta(minutes=40))
    agents.pause(db.session, binh_session.user_id, lunch.id, now - timedelta(minutes=10))
    agents.pause(db.session, chi_session.user_id, coffee.id, now - timedelta(minutes=90))
    overdue = overdue_pauses(db.session, now)
    assert [(o.username, o.reason, o.over_s) for o in overdue] == [("an", "Lunch", 600)]


def test_the_audit_trail_lists_sign_ins_failures_and_changes_with_filters(app, client):
    signed_in_admin(app, client)
    with app.app_context():
        make_user(db.session, "boss", role=Role.MANAGER, password="pw")
        db.session.commit()
    login(app.test_client(), "boss", "wrong")
    login(app.test_client(), "boss", "pw")
    page = "/admin/queues/"
    post(client, page, page, name="vip")
    html = client.get("/admin/audit/").get_data(as_text=True)
    for action in ("login_failed", "login", "queue_created"):
        assert f"<td>{action}</td>" in html
    only_boss = client.get("/admin/audit/", query_string={"who": "boss"}).get_data(as_text=True)
    assert "<td>queue_created</td>" not in only_boss and "<td>login_failed</td>" in only_boss
    failures = client.get("/admin/audit/", query_string={"what": "login_failed"}).get_data(
        as_text=True
    )
    assert "Entries found: 1" in failures and '"attempted": "boss"' in failures
    tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
    later = client.get("/admin/audit/", query_string={"from": tomorrow}).get_data(as_text=True)
    assert "Entries found: 0" in later


def test_each_role_sees_its_own_menu(app):
    with app.app_context():
        for name, role in (("ad", Role.ADMIN), ("ma", Role.MANAGER), ("su", Role.SUPERVISOR)):
            make_user(db.session, name, role=role, password="pw")
        make_agent(db.session, "ag", "1001", signed_in=False)
        db.session.commit()
    menus = {}
    for name, extension in (("ad", ""), ("ma", ""), ("su", ""), ("ag", "1001")):
        browser = app.test_client()
        if name == "ag":
            from tests.factories.people import AGENT_PASSWORD

            login(browser, name, AGENT_PASSWORD, extension)
            html = browser.get("/agent/").get_data(as_text=True)
        else:
            login(browser, name, "pw")
            html = browser.get("/history/").get_data(as_text=True)
        menus[name] = html.split('class="mainnav">')[1].split("</nav>")[0]
    assert "Administration" in menus["ad"] and "/admin/users/" in menus["ad"]
    assert "/pause-reasons/" in menus["ad"] and "/pause-reasons/" in menus["ma"]
    assert "Administration" not in menus["ma"] and "/campaigns/" in menus["ma"]
    assert "/campaigns/" not in menus["su"] and "/pause-reasons/" not in menus["su"]
    assert "/supervisor/" in menus["su"] and "Administration" not in menus["su"]
    assert "/admin/" not in menus["ag"] and "/campaigns/" not in menus["ag"]
    for name in ("ma", "su", "ag"):
        assert "/account/password" not in menus[name]  # the password link is beside the name


def test_an_admin_switches_a_queues_recording_off_and_on_and_each_change_is_audited(app, client):
    from dialer.domain.dialing.recordings import is_wanted
    from dialer.models import AuditEntry, Call

    signed_in_admin(app, client)
    with app.app_context():
        queue_id = db.session.scalar(select(Queue.id).where(Queue.name == "sales"))
    page = f"/admin/queues/{queue_id}"
    assert '<input checked id="record_calls" name="record_calls"' in client.get(page).get_data(
        as_text=True
    )

    assert post(client, page, page, description="Bán hàng").status_code == 302  # box unticked

    html = client.get(page).get_data(as_text=True)
    assert '<input id="record_calls" name="record_calls" type="checkbox" value="y">' in html
    with app.app_context():
        call = Call(direction="inbound", queue="sales")
        assert db.session.get(Queue, queue_id).record_calls is False
        assert is_wanted(db.session, call) is False  # an inbound call of the queue: not recorded
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "queue_updated")
        ).one()
        assert entry.detail["changed"]["record_calls"] == [True, False]
    assert post(client, page, page, description="Bán hàng", record_calls="y").status_code == 302
    with app.app_context():
        assert db.session.get(Queue, queue_id).record_calls is True
        changes = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "queue_updated").order_by(AuditEntry.id)
        ).all()
        assert [c.detail["changed"]["record_calls"] for c in changes] == [
            [True, False],
            [False, True],
        ]
