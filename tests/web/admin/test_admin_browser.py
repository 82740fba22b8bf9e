"""The administration pages in Chromium: an admin makes an agent, puts them in a queue, sees
them work and deactivates them while they are signed in; every admin page once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dialer.extensions import db
from dialer.models import AuditEntry, Role
from tests.factories.people import make_user

pytestmark = pytest.mark.browser

ADMIN_PW = "admin pass phrase"
AGENT_PW = "hoa's own secret"


def sign_in(page, live_server, username: str, password: str, extension: str = "") -> None:  # noqa: ANN001
    page.goto(live_server.url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    if extension:
        page.fill("input[name=extension]", extension)
    page.click("button[type=submit].primary")


def test_an_admin_makes_an_agent_who_works_then_is_deactivated_live(
    app, live_server, page, browser, calls_worker
) -> None:
    with app.app_context():
        make_user(db.session, "root", role=Role.ADMIN, password=ADMIN_PW, display_name="Root")
        db.session.commit()
    sign_in(page, live_server, "root", ADMIN_PW)
    menu = page.get_by_test_id("admin-menu")
    assert "Administration" in menu.inner_text()

    menu.get_by_role("link", name="Queues").click()
    page.fill("input[name=name]", "vip")
    page.fill("input[name=description]", "Khách hàng VIP")
    page.get_by_test_id("queue-form").get_by_role("button", name="Create").click()
    page.wait_for_selector("text=Queue vip is created.")

    menu = page.get_by_test_id("admin-menu")
    menu.get_by_role("link", name="Extensions").click()
    page.fill("input[name=number]", "1001")
    page.get_by_test_id("extension-form").get_by_role("button", name="Create").click()
    page.wait_for_selector("text=Extension 1001 is created.")
    row = page.locator("tr[data-extension='1001']")
    assert row.get_by_test_id("device-state").inner_text() == "registered"  # the simulator's phone

    page.get_by_test_id("admin-menu").get_by_role("link", name="People").click()
    page.get_by_test_id("new-user").click()
    page.fill("input[name=username]", "hoa")
    page.fill("input[name=display_name]", "Lê Thị Hoa")
    page.select_option("select[name=role]", "agent")
    page.fill("input[name=extension]", "1001")
    page.check("input[name=queues][value=vip]")
    page.fill("input[name=password]", "password123")  # one of the commonest: refused
    page.uncheck("input[name=must_change_password]")
    page.get_by_test_id("user-form").get_by_role("button", name="Create").click()
    page.wait_for_selector("text=This password is one of the most common ones")
    page.fill("input[name=password]", AGENT_PW)
    page.get_by_test_id("user-form").get_by_role("button", name="Create").click()
    page.wait_for_selector("text=hoa is created.")
    assert "Lê Thị Hoa" in page.get_by_test_id("users").inner_text()

    agent_context = browser.new_context(locale="en-US", timezone_id="Asia/Ho_Chi_Minh")
    agent = agent_context.new_page()
    sign_in(agent, live_server, "hoa", AGENT_PW, "1001")
    agent.get_by_test_id("agent-bar").wait_for()
    agent.wait_for_selector("body[data-ready]", state="attached")
    assert agent.get_by_test_id("queues").inner_text() == "vip"

    # A queue membership change reaches the agent's bar at once (and the PBX, through a job).
    page.get_by_test_id("admin-menu").get_by_role("link", name="Queues").click()
    page.fill("input[name=name]", "support")
    page.get_by_test_id("queue-form").get_by_role("button", name="Create").click()
    page.select_option("select[name=username]", "hoa")
    page.get_by_test_id("add-member").get_by_role("button", name="Add to the queue").click()
    page.wait_for_selector("text=hoa is in queue support.")
    agent.wait_for_function(
        "document.querySelector('[data-testid=queues]').textContent === 'support, v...'"
    )
    assert agent.get_by_test_id("queues").get_attribute("title") == "support, vip"

    page.get_by_test_id("admin-menu").get_by_role("link", name="People").click()
    page.get_by_test_id("users").get_by_role("link", name="hoa").click()
    assert "signed in on extension 1001" in page.get_by_test_id("user-status").inner_text()
    page.get_by_test_id("deactivate").click()
    page.wait_for_selector("text=hoa is deactivated and signed out.")
    agent.get_by_test_id("gone-dialog").wait_for()
    assert agent.get_by_test_id("get-lead").is_disabled()
    sign_in(agent, live_server, "hoa", AGENT_PW, "1001")
    agent.wait_for_selector("text=Wrong agent id or password.")
    agent_context.close()

    page.get_by_test_id("admin-menu").get_by_role("link", name="Audit trail").click()
    page.fill("input[name=who]", "root")
    page.select_option("select[name=what]", "user_deactivated")
    page.get_by_test_id("audit-filter").get_by_role("button", name="Filter").click()
    assert "user_deactivated" in page.get_by_test_id("audit").inner_text()
    assert "user_created" not in page.get_by_test_id("audit").inner_text()


def test_every_other_admin_page_once(app, live_server, page, tmp_path) -> None:
    with app.app_context():
        make_user(db.session, "root", role=Role.ADMIN, password=ADMIN_PW)
        db.session.commit()
    sign_in(page, live_server, "root", ADMIN_PW)
    base = live_server.url

    page.goto(base + "/admin/queues/")
    page.fill("input[name=name]", "support")
    page.get_by_test_id("queue-form").get_by_role("button", name="Create").click()
    page.wait_for_selector("text=Queue support is created.")
    page.fill("input[name=description]", "Hỗ trợ")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=Queue support is saved.")
    page.goto(base + "/admin/queues/")
    page.fill("input[name=name]", "sales team")
    page.get_by_test_id("queue-form").get_by_role("button", name="Create").click()
    page.wait_for_selector("text=The PBX would refuse the queue name")

    csv = tmp_path / "agents.csv"
    csv.write_text(
        "Agent id,Name,Extension,Queues\na1,An,1101,support\na2,Bình,1101,support\n",
        encoding="utf-8",
    )
    page.goto(base + "/admin/users/")
    page.get_by_role("link", name="Create agents from a file").click()
    page.set_input_files("input[name=file]", str(csv))
    page.fill("input[name=password]", "first day secret")
    page.get_by_test_id("users-import").get_by_role("button", name="Create").click()
    result = page.get_by_test_id("import-result")
    assert "1 users created, 1 rows refused." in result.inner_text()
    assert "Extension 1101 already belongs to a1." in page.get_by_test_id("refused").inner_text()

    page.goto(base + "/admin/queues/")
    page.get_by_role("link", name="support").click()
    assert "a1" in page.get_by_test_id("members").inner_text()
    page.get_by_test_id("members").get_by_role("button", name="Remove").click()
    page.wait_for_selector("text=The member left queue support.")
    page.get_by_test_id("retire-queue").click()
    page.wait_for_selector("text=Queue support is retired.")

    page.goto(base + "/admin/extensions/")
    page.get_by_role("link", name="1101").click()
    page.fill("input[name=description]", "Bàn số 1")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=Extension 1101 is saved.")

    page.goto(base + "/pause-reasons/")
    page.fill("input[name=name]", "Lunch")
    page.fill("input[name=name_vi]", "Ăn trưa")
    page.fill("input[name=max_minutes]", "45")
    page.get_by_test_id("reason-form").get_by_role("button", name="Add").click()
    page.wait_for_selector("text=The pause reason Lunch is added.")
    page.get_by_test_id("reasons").get_by_role("link", name="Lunch").click()
    page.fill("input[name=name_vi]", "Nghỉ trưa")
    page.check("input[name=is_paid]")
    page.get_by_role("button", name="Save").click()
    assert "Nghỉ trưa" in page.get_by_test_id("reasons").inner_text()

    page.get_by_test_id("change-password-link").click()
    page.fill("input[name=current]", ADMIN_PW)
    page.fill("input[name=password]", "root's new phrase")
    page.fill("input[name=confirm]", "root's new phrase")
    page.get_by_role("button", name="Change password").click()
    page.wait_for_selector("text=Your password is changed.")
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {
        "queue_created",
        "users_imported",
        "pause_reason_created",
        "password_changed",
    } <= actions
