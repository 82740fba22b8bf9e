"""The desktop page itself: what it shows before any script runs, in both languages."""

from __future__ import annotations

import json
import re

from dialer.extensions import db
from dialer.models import Queue, QueueMember
from dialer.web.agent.desktop import queue_label
from tests.factories.desk import make_desk
from tests.factories.people import AGENT_PASSWORD
from tests.support.web import login, page_csrf


def desk_data(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="desk-data">(.*?)</script>', html, re.S)
    assert match, "no desk data on the page"
    return json.loads(match.group(1))


def test_queue_names_past_ten_characters_are_cut_with_dots() -> None:
    assert queue_label(["support"]) == "support"
    assert queue_label(["sales", "support"]) == "sales, sup..."
    assert queue_label([]) == ""


def test_the_desktop_carries_the_agents_state_reasons_and_campaigns(app, client) -> None:
    desk = make_desk(app)
    with app.app_context():
        db.session.add(QueueMember(queue=Queue(name="vip-care"), user_id=desk.agent_id))
        db.session.commit()
    login(client, "agent1", AGENT_PASSWORD, "1001")
    html = client.get("/agent/").get_data(as_text=True)
    data = desk_data(html)
    assert data["agent"]["state"] == "ready" and data["agent"]["extension"] == "1001"
    assert [r["code"] for r in data["reasons"]] == ["lunch"]
    assert [c["id"] for c in data["campaigns"]] == [desk.campaign_id]
    assert 'title="support, vip-care"' in html and "support, v..." in html


def test_the_desktop_speaks_vietnamese(app, client) -> None:
    make_desk(app)
    login(client, "agent1", AGENT_PASSWORD, "1001")
    token = page_csrf(client)
    client.post("/language", data={"csrf_token": token, "language": "vi", "next": "/agent/"})
    html = client.get("/agent/").get_data(as_text=True)
    assert "Lấy khách hàng" in html and "Tạm nghỉ" in html
    text = desk_data(html)["text"]
    assert text["pick_reason"] == "Hãy chọn lý do tạm nghỉ trước."
    assert text["states"]["connected"] != "Connected"
