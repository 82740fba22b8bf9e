"""The inputs the browser would draw its own way (the call box, date, time and file pickers) wear
the house style: the same border, corners and padding as every other field."""

from __future__ import annotations

import pytest

from dialer.extensions import db
from tests.factories.desk import make_desk
from tests.web.agent.test_desktop_browser import sign_in

pytestmark = pytest.mark.browser

HOUSE = {"borderTopColor": "rgb(221, 226, 234)", "borderTopLeftRadius": "6px"}
_STYLE = """([selector, pseudo]) => {
  const style = getComputedStyle(document.querySelector(selector), pseudo);
  return { borderTopColor: style.borderTopColor, borderTopLeftRadius: style.borderTopLeftRadius };
}"""


def style_of(page, selector: str, pseudo: str | None = None) -> dict[str, str]:
    return page.evaluate(_STYLE, [selector, pseudo])


def test_the_call_box_and_the_callback_pickers_wear_the_house_style(app, live_server, page):
    make_desk(app, leads=0)
    sign_in(page, live_server)
    for selector in ("#callout-number", "#callback-date", "#callback-time"):
        assert style_of(page, selector) == HOUSE, selector


def test_the_campaign_hours_and_the_file_picker_wear_the_house_style(app, live_server, page):
    from tests.factories.people import make_user
    from tests.web.manager.test_campaigns_browser import sign_in as manager_sign_in

    campaign_id = make_desk(app, leads=0).campaign_id
    with app.app_context():
        make_user(db.session, "boss", role="manager", password="boss-pass")
        db.session.commit()
    manager_sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/campaigns/new")
    assert style_of(page, "input[name=call_start]") == HOUSE
    page.goto(f"{live_server.url}/campaigns/{campaign_id}")
    assert style_of(page, "input[type=file]") == HOUSE
    assert style_of(page, "input[type=file]", "::file-selector-button") == HOUSE
