"""The campaign's dispositions page: a manager adds them in both languages and retires them."""

from __future__ import annotations

from sqlalchemy import select

from dialer.extensions import db
from dialer.models import Disposition
from tests.factories.campaigns import make_campaign
from tests.support.web import csrf_token, signed_in_manager


def campaign_id(app) -> int:
    with app.app_context():
        made = make_campaign(db.session)
        db.session.commit()
        return made.id


def add(client, cid: int, name: str, name_vi: str, kind: str):
    url = f"/campaigns/{cid}/dispositions/"
    token = csrf_token(client, url)
    data = {"csrf_token": token, "name": name, "name_vi": name_vi, "kind": kind}
    return client.post(url, data=data, follow_redirects=True)


def test_a_manager_adds_dispositions_and_a_name_is_used_once(app, client) -> None:
    signed_in_manager(app, client)
    cid = campaign_id(app)
    page = add(client, cid, "Do not call", "Không gọi nữa", "do_not_call").get_data(as_text=True)
    assert "Disposition Do not call added." in page
    assert "Không gọi nữa" in page
    assert "Do not call: finished, and the number is blacklisted" in page
    again = add(client, cid, "Do not call", "Khác", "final")
    assert again.status_code == 400
    assert "This campaign already has a disposition with this name." in again.get_data(as_text=True)
    empty = add(client, cid, "", "", "final")
    assert empty.status_code == 400 and "This field is required." in empty.get_data(as_text=True)
    odd = add(client, cid, "Odd", "Lạ", "maybe")
    assert odd.status_code == 400 and "Not a valid choice." in odd.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Disposition.name)).all() == ["Do not call"]


def test_a_retired_disposition_leaves_the_agents_list(app, client) -> None:
    signed_in_manager(app, client)
    cid = campaign_id(app)
    add(client, cid, "Interested", "Quan tâm", "final")
    with app.app_context():
        did = db.session.scalar(select(Disposition.id))
    url = f"/campaigns/{cid}/dispositions/"
    token = csrf_token(client, url)
    page = client.post(f"{url}{did}/retire", data={"csrf_token": token}, follow_redirects=True)
    assert "Disposition Interested removed from the agents" in page.get_data(as_text=True)
    assert 'data-testid="no-dispositions"' in page.get_data(as_text=True)
    other = client.post(
        f"/campaigns/{cid + 99}/dispositions/{did}/retire", data={"csrf_token": token}
    )
    assert other.status_code == 302
    with app.app_context():
        assert db.session.get(Disposition, did).is_enabled is False


def test_the_campaign_page_links_to_its_dispositions(app, client) -> None:
    signed_in_manager(app, client)
    cid = campaign_id(app)
    page = client.get(f"/campaigns/{cid}").get_data(as_text=True)
    assert f'href="/campaigns/{cid}/dispositions/"' in page
