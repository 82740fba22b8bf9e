"""The blacklist: one number in any shape; search, remove, upload; in force for every campaign."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from dialer.domain.campaigns.blacklist import is_number_blacklisted
from dialer.domain.leads.imports import run_import
from dialer.domain.leads.rejections import rejections
from dialer.extensions import db
from dialer.models import BlacklistNumber, Campaign
from tests.factories.campaigns import make_draft_campaign
from tests.factories.leads import queued_import, write_csv
from tests.support.web import csrf_token, signed_in_manager


def add(client, number: str, reason: str = "khách yêu cầu"):
    token = csrf_token(client, "/blacklist/")
    return client.post(
        "/blacklist/add",
        data={"csrf_token": token, "number": number, "reason": reason},
        follow_redirects=True,
    )


def listed(client, query: str) -> list[str]:
    page = client.get("/blacklist/", query_string={"q": query}).get_data(as_text=True)
    table = page.split('data-testid="blacklist"', 1)[-1].split("</table>", 1)[0]
    return re.findall(r"<td>(\+\d+)</td>", table)


def test_every_shape_of_a_number_is_the_same_blacklisted_number(app, client):
    signed_in_manager(app, client)
    assert "+84912345678 is blacklisted for every campaign." in add(
        client, "0912 345 678"
    ).get_data(as_text=True)
    for shape in ("+84912345678", "84912345678", "(+84) 912-345-678"):
        page = add(client, shape).get_data(as_text=True)
        assert "This number is already blacklisted." in page
    with app.app_context():
        entry = db.session.scalar(select(BlacklistNumber))
        assert (entry.phone, entry.phone_raw, entry.reason) == (
            "+84912345678", "0912 345 678", "khách yêu cầu"
        )  # fmt: skip
        assert entry.added_by.username == "boss"
        assert is_number_blacklisted(db.session, "912345678", "VN")


def test_junk_is_refused_with_a_reason(app, client):
    signed_in_manager(app, client)
    assert "This is not a phone number." in add(client, "gọi sau").get_data(as_text=True)
    assert "This phone number is not valid." in add(client, "0112345678").get_data(as_text=True)


def test_search_finds_a_number_however_it_is_typed_and_remove_takes_it_off(app, client):
    signed_in_manager(app, client)
    add(client, "0912345678", "spam")
    add(client, "0987654321", "luật sư")
    assert listed(client, "0912 345") == ["+84912345678"]
    assert listed(client, "luật") == ["+84987654321"]
    assert listed(client, "") == ["+84987654321", "+84912345678"]
    with app.app_context():
        entry_id = db.session.scalar(
            select(BlacklistNumber.id).where(BlacklistNumber.phone == "+84912345678")
        )
    token = csrf_token(client, "/blacklist/")
    client.post(f"/blacklist/{entry_id}/remove", data={"csrf_token": token})
    with app.app_context():
        assert db.session.scalars(select(BlacklistNumber.phone)).all() == ["+84987654321"]


def test_an_uploaded_file_blacklists_its_numbers_and_reports_the_rest(app, client):
    signed_in_manager(app, client)
    add(client, "0912000001")
    token = csrf_token(client, "/blacklist/")
    content = "Số điện thoại,Lý do\n0912000001,\n0912 000 002,Khiếu nại\nabc,\n84912000003,\n"
    response = client.post(
        "/blacklist/upload",
        data={
            "csrf_token": token,
            "reason": "DNC 2024",
            "file": (io.BytesIO(content.encode()), "dnc.csv"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "2 numbers blacklisted, 1 were already, 1 refused." in page
    assert "Line 4: abc" in page
    with app.app_context():
        rows = db.session.execute(select(BlacklistNumber.phone, BlacklistNumber.reason)).all()
        assert sorted(rows) == [
            ("+84912000001", "khách yêu cầu"),
            ("+84912000002", "Khiếu nại"),
            ("+84912000003", "DNC 2024"),
        ]


def test_a_number_blacklisted_after_one_import_is_refused_by_the_next(app, client, tmp_path):
    signed_in_manager(app, client)
    path = write_csv(tmp_path / "l.csv", ["phone", "0912000001", "0912000002"])
    with app.app_context():
        run_import(
            db.session, queued_import(db.session, make_draft_campaign(db.session, "A"), path).id
        )
        second_id = make_draft_campaign(db.session, "B").id
        db.session.commit()
    add(client, "0912000002")
    with app.app_context():
        second = db.session.get(Campaign, second_id)
        later = run_import(db.session, queued_import(db.session, second, path).id)
        assert [(r.line_no, r.reason) for r in rejections(db.session, later.id)] == [
            (3, "blacklisted")
        ]
