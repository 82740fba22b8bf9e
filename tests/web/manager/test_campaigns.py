"""Manager pages over HTTP: campaigns, start rules, the upload -> columns -> job -> report flow."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select

from dialer.extensions import db
from dialer.models import Campaign, ImportStatus, Lead, LeadImport, Queue
from tests.factories.campaigns import blacklist, make_draft_campaign, make_yes_no_survey
from tests.factories.leads import queued_import, run_worker_burst
from tests.factories.people import make_user
from tests.support.web import csrf_token, signed_in_manager


def campaign_form(token: str, **overrides: object) -> dict[str, object]:
    data = {
        "csrf_token": token,
        "name": "Chăm sóc Tết",
        "description": "Hỏi thăm khách",
        "caller_id": "028 3812 3456",
        "survey_id": "0",
        "timezone": "Asia/Ho_Chi_Minh",
        "call_days": ["1", "2", "3", "4", "5"],
        "call_start": "08:30",
        "call_end": "17:30",
        "max_attempts": "4",
        "ring_no_answer_limit": "2",
        "retry_busy": "10",
        "retry_noanswer": "45",
        "retry_fail": "90",
        "retry_cancel": "5",
    }
    data.update(overrides)
    return data


def test_a_manager_creates_a_campaign_with_an_e164_caller_id_and_its_agents(app, client):
    signed_in_manager(app, client)
    with app.app_context():
        agents = [make_user(db.session, f"agent{n}").id for n in (1, 2, 3)]
        db.session.commit()
    token = csrf_token(client, "/campaigns/new")
    response = client.post(
        "/campaigns/new", data=campaign_form(token, agents=[str(agents[0]), str(agents[2])])
    )
    assert response.status_code == 302
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        assert sorted(a.user.username for a in campaign.agents) == ["agent1", "agent3"]
        assert campaign.caller_id == "+842838123456"
        assert campaign.call_days == "12345"
        assert campaign.retry_minutes == {
            "BUSY": 10,
            "NOANSWER": 45,
            "FAIL": 90,
            "CANCEL": 5,
            "MACHINE": 120,
            "ABANDON": 60,
        }
        assert campaign.status == "draft"
        assert campaign.dial_mode == "preview" and campaign.progressive_countdown_s == 5


def test_the_form_sets_the_dial_mode_countdown_and_answering_machine_action(app, client):
    signed_in_manager(app, client)
    token = csrf_token(client, "/campaigns/new")
    form = campaign_form(
        token,
        dial_mode="progressive",
        progressive_countdown_s="8",
        amd_enabled="y",
        amd_action="agent",
        abandon_sound="custom/xin-loi",
        retry_machine="240",
    )
    assert client.post("/campaigns/new", data=form).status_code == 302
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        assert (campaign.dial_mode, campaign.progressive_countdown_s) == ("progressive", 8)
        assert (campaign.amd_enabled, campaign.amd_action) == (True, "agent")
        assert campaign.abandon_sound == "custom/xin-loi"
        assert campaign.retry_minutes["MACHINE"] == 240
        campaign_id = campaign.id
    page = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert "Progressive (next call after 8 s)" in page
    assert "detected: passed to the agent" in page


def test_bad_dialing_settings_are_explained_and_nothing_is_saved(app, client):
    signed_in_manager(app, client)
    token = csrf_token(client, "/campaigns/new")
    for bad, said in (
        ({"dial_mode": "robot"}, "Not a valid choice"),
        ({"progressive_countdown_s": "999"}, "Number must be between 0 and 120"),
        ({"abandon_sound": "../../etc/passwd"}, "letters, digits, -, _ and / only"),
    ):
        response = client.post("/campaigns/new", data=campaign_form(token, **bad))
        assert response.status_code == 200
        assert said in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Campaign)) is None


def test_a_predictive_campaign_names_its_queue_and_abandon_cap_on_the_form(app, client):
    signed_in_manager(app, client)
    with app.app_context():
        db.session.add_all([Queue(name="sales"), Queue(name="old", is_enabled=False)])
        db.session.commit()
    token = csrf_token(client, "/campaigns/new")
    page = client.get("/campaigns/new").get_data(as_text=True)
    assert '<option value="sales">' in page and '<option value="old">' not in page
    for bad, said in (
        ({"dial_queue": "old"}, "Pick an enabled queue for the answered customers to wait in."),
        ({"dial_queue": "sales", "abandon_cap_pct": "25"}, "Number must be between 0.1 and 10"),
    ):
        response = client.post(
            "/campaigns/new", data=campaign_form(token, dial_mode="predictive", **bad)
        )
        assert said in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Campaign)) is None
    form = campaign_form(
        token,
        dial_mode="predictive",
        dial_queue="sales",
        abandon_cap_pct="2.5",
        abandon_sound="custom/xin-loi",
    )
    assert client.post("/campaigns/new", data=form).status_code == 302
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        assert (campaign.dial_queue, campaign.abandon_cap_pct) == ("sales", 2.5)
        campaign_id = campaign.id
    page = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert "queue sales, at most 2.5% of answered calls abandoned, message custom/xin-loi" in page


def test_a_bad_caller_id_or_backwards_hours_are_explained_and_nothing_is_saved(app, client):
    signed_in_manager(app, client)
    token = csrf_token(client, "/campaigns/new")
    page = client.post("/campaigns/new", data=campaign_form(token, caller_id="12ab"))
    assert "The caller id is not a valid phone number." in page.get_data(as_text=True)
    page = client.post(
        "/campaigns/new", data=campaign_form(token, call_start="18:00", call_end="08:00")
    )
    assert "Calling hours must end after they start." in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Campaign)) is None


def test_the_ring_no_answer_limit_is_set_per_campaign_and_checked(app, client):
    signed_in_manager(app, client)
    token = csrf_token(client, "/campaigns/new")
    page = client.post("/campaigns/new", data=campaign_form(token, ring_no_answer_limit="11"))
    assert "Number must be between 0 and 10." in page.get_data(as_text=True)
    assert client.post("/campaigns/new", data=campaign_form(token, ring_no_answer_limit="3"))
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        assert campaign.ring_no_answer_limit == 3
        campaign_id = campaign.id
    detail = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert re.search(r"Unanswered agent calls before a pause</dt><dd>3<", detail)


def test_start_says_what_is_missing_then_runs_once_it_has_everything(app, client):
    signed_in_manager(app, client)
    with app.app_context():
        campaign_id = make_draft_campaign(db.session).id
        db.session.commit()
    token = csrf_token(client, f"/campaigns/{campaign_id}")
    page = client.post(
        f"/campaigns/{campaign_id}/start", data={"csrf_token": token}, follow_redirects=True
    ).get_data(as_text=True)
    assert "It needs a caller id, a survey, at least one lead that can be called." in page
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        campaign.caller_id = "+842838123456"
        campaign.survey_id = make_yes_no_survey(db.session).id
        db.session.add(Lead(campaign_id=campaign_id, phone="+84912000001", phone_raw="x"))
        db.session.commit()
    page = client.post(
        f"/campaigns/{campaign_id}/start", data={"csrf_token": token}, follow_redirects=True
    ).get_data(as_text=True)
    assert "The campaign is running." in page
    client.post(f"/campaigns/{campaign_id}/pause", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).status == "paused"
    client.post(f"/campaigns/{campaign_id}/stop", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).status == "stopped"


def test_the_page_shows_stop_only_where_the_rules_allow_it(app, client):
    signed_in_manager(app, client)
    with app.app_context():
        draft = make_draft_campaign(db.session, name="Draft")
        paused = make_draft_campaign(db.session, name="Paused")
        paused.status = "paused"
        db.session.commit()
        draft_id, paused_id = draft.id, paused.id
    draft_page = client.get(f"/campaigns/{draft_id}").get_data(as_text=True)
    assert 'data-testid="start"' in draft_page and 'data-testid="stop"' not in draft_page
    paused_page = client.get(f"/campaigns/{paused_id}").get_data(as_text=True)
    assert 'data-testid="start"' in paused_page and 'data-testid="stop"' in paused_page
    assert 'data-testid="pause"' not in paused_page
    token = csrf_token(client, f"/campaigns/{draft_id}")
    page = client.post(
        f"/campaigns/{draft_id}/stop", data={"csrf_token": token}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Only a running or paused campaign can be stopped." in page
    with app.app_context():
        assert db.session.get(Campaign, draft_id).status == "draft"


def test_a_blacklisted_only_list_is_not_a_dialable_lead(app, client):
    signed_in_manager(app, client)
    with app.app_context():
        campaign = make_draft_campaign(db.session, caller_id="+842838123456")
        campaign.survey_id = make_yes_no_survey(db.session).id
        db.session.add(Lead(campaign_id=campaign.id, phone="+84912000001", phone_raw="x"))
        blacklist(db.session, "+84912000001")
        db.session.commit()
        campaign_id = campaign.id
    token = csrf_token(client, f"/campaigns/{campaign_id}")
    page = client.post(
        f"/campaigns/{campaign_id}/start", data={"csrf_token": token}, follow_redirects=True
    ).get_data(as_text=True)
    assert "at least one lead that can be called" in page


def upload(client, campaign_id: int, content: bytes, name: str = "leads.csv"):
    token = csrf_token(client, f"/campaigns/{campaign_id}")
    return client.post(
        f"/campaigns/{campaign_id}/imports",
        data={"csrf_token": token, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_upload_confirm_columns_import_and_download_the_report(app, client):
    signed_in_manager(app, client)
    with app.app_context():
        campaign_id = make_draft_campaign(db.session).id
        blacklist(db.session, "+84987000001")
        db.session.commit()
    content = (
        "SĐT;Họ tên;Ghi chú\r\n0912 000 001;Nguyễn Văn An;VIP\r\n"
        "0987000001;Lê Bình;\r\nabc;Trần C;\r\n84912000001;An lặp;\r\n"
    ).encode("utf-8-sig")
    response = upload(client, campaign_id, content)
    assert response.status_code == 302
    mapping_url = response.headers["Location"]
    page = client.get(mapping_url).get_data(as_text=True)
    assert "encoding UTF-8 (BOM), delimiter semicolon" in page
    assert "Nguyễn Văn An" in page
    selected = re.findall(r'<option selected value="(\w+)">', page)
    assert selected == ["phone", "full_name", "custom"]
    token = csrf_token(client, mapping_url)
    response = client.post(
        mapping_url,
        data={"csrf_token": token, "columns-0": "phone", "columns-1": "full_name",
              "columns-2": "ignore"},
    )  # fmt: skip
    import_url = response.headers["Location"]
    with app.app_context():
        lead_import = db.session.scalar(select(LeadImport))
        assert lead_import.status == ImportStatus.QUEUED
        run_worker_burst()
    progress = client.get(import_url + "/progress").get_json()
    assert progress == {"status": "done", "rows_read": 4, "imported": 1, "rejected": 3,
                        "percent": 100, "stalled": False}  # fmt: skip
    page = client.get(import_url).get_data(as_text=True)
    assert "same number as line 2" in page and "blacklisted" in page
    report = client.get(import_url + "/rejections.csv")
    assert report.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(report.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows == [
        ["Line", "Value", "Reason", "Detail"],
        ["3", "0987000001", "blacklisted", ""],
        ["4", "abc", "not a phone number", ""],
        ["5", "84912000001", "duplicate in the file", "same number as line 2"],
    ]
    with app.app_context():
        lead = db.session.scalar(select(Lead))
        assert (lead.phone, lead.last_name, lead.first_name, lead.custom) == (
            "+84912000001", "Nguyễn Văn", "An", {}
        )  # fmt: skip


def test_the_report_comes_in_vietnamese_for_a_vietnamese_manager(app, client):
    signed_in_manager(app, client)
    with app.app_context():
        campaign_id = make_draft_campaign(db.session).id
        db.session.commit()
    response = upload(client, campaign_id, b"phone\nxyz\n0912000001\n")
    mapping_url = response.headers["Location"]
    token = csrf_token(client, mapping_url)
    import_url = client.post(mapping_url, data={"csrf_token": token, "columns-0": "phone"}).headers[
        "Location"
    ]
    with app.app_context():
        run_worker_burst()
    client.post("/language", data={"csrf_token": token, "language": "vi", "next": import_url})
    page = client.get(import_url).get_data(as_text=True)
    assert "không phải số điện thoại" in page
    report = client.get(import_url + "/rejections.csv").get_data(as_text=True)
    assert report.lstrip("\ufeff").splitlines()[:2] == [
        "Dòng,Giá trị,Lý do,Chi tiết",
        "2,xyz,không phải số điện thoại,",
    ]


def test_an_unreadable_upload_says_why_and_creates_nothing(app, client):
    signed_in_manager(app, client)
    with app.app_context():
        campaign_id = make_draft_campaign(db.session).id
        db.session.commit()
    response = upload(client, campaign_id, b"\xd0\xcf\x11\xe0" + b"\0" * 600, "old.xls")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nothing was imported: Excel 97-2003 (.xls) files are not supported." in page
    with app.app_context():
        assert db.session.scalar(select(LeadImport)) is None


def test_an_upload_over_the_limit_gets_413_with_a_message(app, client):
    signed_in_manager(app, client)
    app.config["MAX_CONTENT_LENGTH"] = 1024
    app.config["DIALER_MAX_UPLOAD_MB"] = 0.001
    with app.app_context():
        campaign_id = make_draft_campaign(db.session).id
        db.session.commit()
    response = upload(client, campaign_id, b"phone\n" + b"0912000001\n" * 500)
    assert response.status_code == 413
    assert "larger than the 0.001 MB upload limit" in response.get_data(as_text=True)


def test_a_mapping_without_a_phone_column_is_refused(app, client):
    signed_in_manager(app, client)
    with app.app_context():
        campaign_id = make_draft_campaign(db.session).id
        db.session.commit()
    mapping_url = upload(client, campaign_id, b"phone,name\n0912000001,An\n").headers["Location"]
    token = csrf_token(client, mapping_url)
    page = client.post(
        mapping_url, data={"csrf_token": token, "columns-0": "custom", "columns-1": "full_name"}
    ).get_data(as_text=True)
    assert "Choose the column that holds the phone numbers." in page
    with app.app_context():
        assert db.session.scalar(select(LeadImport.status)) == ImportStatus.UPLOADED


def test_an_import_left_running_by_a_dead_worker_can_be_run_again(app, client, tmp_path):
    signed_in_manager(app, client)
    with app.app_context():
        campaign = make_draft_campaign(db.session)
        path = tmp_path / "l.csv"
        path.write_text("phone\n0912000001\n", "utf-8")
        lead_import = queued_import(db.session, campaign, path)
        lead_import.status = ImportStatus.RUNNING  # as a killed worker leaves it
        db.session.commit()
        url = f"/campaigns/{campaign.id}/imports/{lead_import.id}"
    assert client.get(url + "/progress").get_json()["stalled"] is True
    page = client.get(url).get_data(as_text=True)
    assert "The import stopped because its worker stopped; run it again." in page
    client.post(url + "/retry", data={"csrf_token": csrf_token(client, url)})
    with app.app_context():
        run_worker_burst()
    assert client.get(url + "/progress").get_json()["status"] == "done"


def test_wtforms_own_messages_follow_the_chosen_language(app, client):
    signed_in_manager(app, client)
    token = csrf_token(client, "/campaigns/new")
    client.post("/language", data={"csrf_token": token, "language": "vi", "next": "/manager/"})
    page = client.post(
        "/campaigns/new", data=campaign_form(token, name="", max_attempts="ba", call_end="8h")
    ).get_data(as_text=True)
    assert "Trường này là bắt buộc." in page
    assert "Không phải là số nguyên hợp lệ." in page
    assert "Không phải là giờ hợp lệ (HH:MM)." in page
    assert "This field is required." not in page
