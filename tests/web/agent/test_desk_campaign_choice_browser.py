"""The campaign an agent works is remembered by the server: it is offered first after sign-out."""

from __future__ import annotations

import pytest

from dialer.extensions import db
from dialer.models import Campaign, User
from tests.factories.campaigns import make_campaign, standard_survey
from tests.factories.desk import make_desk
from tests.web.agent.test_desktop_browser import sign_in

pytestmark = pytest.mark.browser


def test_the_campaign_picked_last_is_offered_first_after_signing_out_and_in(
    app, live_server, page
) -> None:
    desk = make_desk(app, leads=0)  # "Q4 survey", first in the list
    with app.app_context():
        agent = db.session.get(User, desk.agent_id)
        later = make_campaign(
            db.session, "Z renewals", agents=[agent], survey=standard_survey(db.session)
        )
        db.session.commit()
        later_id = later.id
        assert db.session.get(Campaign, desk.campaign_id).name < "Z renewals"
    sign_in(page, live_server)
    assert page.get_by_test_id("campaign").input_value() == str(desk.campaign_id)
    with page.expect_response("**/api/agent/campaign") as remembered:
        page.get_by_test_id("campaign").select_option(str(later_id))
    assert remembered.value.status == 204
    page.get_by_test_id("logout").click()
    page.get_by_test_id("logout-yes").click()
    page.wait_for_url("**/login")
    sign_in(page, live_server)
    assert page.get_by_test_id("campaign").input_value() == str(later_id)
