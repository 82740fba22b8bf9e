"""Forms speak the chosen language to the end: WTForms' own messages and 24-hour times, no AM/PM."""

from __future__ import annotations

import pytest

from dialer.extensions import db
from dialer.models import Role
from tests.factories.people import make_user

pytestmark = pytest.mark.browser

MESSAGES = {
    "vi-VN": ("Trường này là bắt buộc.", "Không phải là giờ hợp lệ", "trong khoảng 1 đến 20"),
    "en-US": ("This field is required.", "Not a valid time value.", "between 1 and 20"),
}


@pytest.mark.parametrize("locale", ["vi-VN", "en-US"])
def test_the_campaign_forms_messages_and_times_follow_the_language(
    app, live_server, browser, locale
) -> None:
    with app.app_context():
        make_user(db.session, "boss", role=Role.MANAGER, password="boss-pass")
        db.session.commit()
    context = browser.new_context(locale=locale, timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.goto(live_server.url + "/login")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", "boss-pass")
    page.click("button[type=submit].primary")
    page.wait_for_url(live_server.url + "/manager/")
    page.goto(live_server.url + "/campaigns/new")

    start = page.locator("input[name=call_start]")
    assert start.get_attribute("type") == "text"  # no picker that shows "08:00 AM"
    assert start.input_value() == "08:00"
    assert page.locator("input[name=call_end]").input_value() == "20:00"

    page.fill("input[name=name]", "")
    page.fill("input[name=call_start]", "25:00")
    page.fill("input[name=max_attempts]", "99")
    page.click("form.campaign-form button[type=submit].primary")
    page.wait_for_selector(".field-error")
    errors = page.locator(".field-error").all_inner_texts()
    required, bad_time, out_of_range = MESSAGES[locale]
    assert required in errors
    assert any(bad_time in error for error in errors)
    assert any(out_of_range in error for error in errors)
    assert "AM" not in page.locator("input[name=call_end]").input_value()
    context.close()
