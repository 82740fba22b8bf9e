"""The JSON API: login and tokens, CSRF for cookies only, pause, Get Lead, calls, the survey."""

from __future__ import annotations

from sqlalchemy import func, select

from dialer.domain.dialing.campaign_choice import chosen_campaign_id
from dialer.extensions import db, redis_hub
from dialer.jobs.calls import QUEUE, enqueue_originate, originate_job_id
from dialer.models import ApiToken, Call, CampaignStatus, Lead, SurveyResponse
from tests.factories.campaigns import make_campaign
from tests.factories.desk import make_desk
from tests.support.web import api_login, bearer, page_csrf


def test_login_gives_a_cookie_session_and_a_token_stored_only_as_a_hash(app, client) -> None:
    make_desk(app)
    body = api_login(client)
    token = body["token"]
    assert body["agent"]["state"] == "ready" and body["agent"]["extension"] == "1001"
    # The cookie works...
    assert client.get("/api/agent").get_json()["agent_id"] == "agent1"
    # ...and so does the token, from a client with no cookie at all.
    other = app.test_client()
    assert other.get("/api/agent", headers=bearer(token)).status_code == 200
    assert other.get("/api/agent", headers=bearer(token + "x")).status_code == 401
    with app.app_context():
        stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert len(stored) == 1 and token not in stored[0] and len(stored[0]) == 64


def test_bad_logins_are_json_errors_with_stable_codes(app, client) -> None:
    make_desk(app)
    cases = [
        ({"agent_id": "agent1", "password": "nope", "extension": "1001"}, 401, "bad_credentials"),
        ({"agent_id": "agent1", "password": "agent-pass"}, 401, "extension_required"),
        (
            {"agent_id": "agent1", "password": "agent-pass", "extension": "9"},
            401,
            "unknown_extension",
        ),
    ]
    for body, status, code in cases:
        response = client.post("/api/session", json=body)
        assert (response.status_code, response.get_json()["code"]) == (status, code)
        assert response.get_json()["message"]
    response = client.post("/api/session", data="agent_id=agent1")
    assert (response.status_code, response.get_json()["code"]) == (415, "json_required")


def test_cookie_requests_need_the_csrf_token_and_token_requests_do_not(app, client) -> None:
    desk = make_desk(app)
    token = api_login(client)["token"]
    refused = client.post("/api/agent/pause", json={"reason_id": desk.reason_id})
    assert (refused.status_code, refused.get_json()["code"]) == (400, "csrf_failed")
    headers = {"X-CSRFToken": page_csrf(client)}
    paused = client.post("/api/agent/pause", json={"reason_id": desk.reason_id}, headers=headers)
    assert paused.get_json()["state"] == "paused"
    script = app.test_client()
    ready = script.post("/api/agent/ready", headers=bearer(token))
    assert ready.get_json()["state"] == "ready"


def test_logout_ends_the_cookie_and_every_token(app, client) -> None:
    make_desk(app)
    token = api_login(client)["token"]
    headers = {"X-CSRFToken": page_csrf(client)}
    assert client.delete("/api/session", headers=headers).get_json() == {"signed_out": True}
    assert client.get("/api/agent").status_code == 401
    assert app.test_client().get("/api/agent", headers=bearer(token)).status_code == 401


def test_pause_needs_a_reason_and_ready_comes_back(app, client) -> None:
    desk = make_desk(app)
    token = bearer(api_login(client)["token"])
    refused = client.post("/api/agent/pause", json={}, headers=token)
    assert (refused.status_code, refused.get_json()["code"]) == (422, "reason_required")
    assert refused.get_json()["message"] == "Pick a pause reason first."
    reasons = client.get("/api/pause-reasons", headers=token).get_json()
    assert [r["code"] for r in reasons] == ["lunch"]  # the system reason is not offered
    paused = client.post("/api/agent/pause", json={"reason_id": desk.reason_id}, headers=token)
    assert paused.get_json()["pause_reason"]["code"] == "lunch"
    lead = client.post("/api/leads/next", json={"campaign_id": desk.campaign_id}, headers=token)
    assert (lead.status_code, lead.get_json()["code"]) == (409, "wrong_state")
    assert lead.get_json()["message"] == "Not possible while your state is Paused."
    assert client.post("/api/agent/ready", headers=token).get_json()["state"] == "ready"


def test_get_lead_shows_the_lead_its_campaign_and_survey(app, client) -> None:
    desk = make_desk(app)
    token = bearer(api_login(client)["token"])
    campaigns = client.get("/api/campaigns", headers=token).get_json()
    assert [c["id"] for c in campaigns] == [desk.campaign_id]
    got = client.post("/api/leads/next", json={"campaign_id": desk.campaign_id}, headers=token)
    lead = got.get_json()["lead"]
    assert lead["phone"] == "+84912345670" and lead["custom"] == {"Gói cước": "Cao cấp"}
    assert lead["custom_fields"] == [{"name": "Gói cước", "value": "Cao cấp"}]
    assert lead["campaign"]["description"] == "Ask how the service was."
    assert [q["id"] for q in lead["survey"]["questions"]] == desk.question_ids
    assert client.get("/api/agent", headers=token).get_json()["lead"]["id"] == lead["id"]


def test_get_lead_says_why_nothing_is_dialable(app, client) -> None:
    desk = make_desk(app, status=CampaignStatus.PAUSED)
    token = bearer(api_login(client)["token"])
    got = client.post("/api/leads/next", json={"campaign_id": desk.campaign_id}, headers=token)
    assert got.get_json()["lead"] is None
    assert got.get_json()["reason"]["message"] == "The campaign is paused."
    bad = client.post("/api/leads/next", json={"campaign_id": "x"}, headers=token)
    assert (bad.status_code, bad.get_json()["code"]) == (422, "invalid_field")
    unknown = client.post("/api/leads/next", json={"campaign_id": 999}, headers=token)
    assert (unknown.status_code, unknown.get_json()["code"]) == (404, "unknown_campaign")


def test_a_call_is_committed_then_one_originate_job_is_queued(app, client) -> None:
    desk = make_desk(app)
    token = bearer(api_login(client)["token"])
    lead_id = client.post(
        "/api/leads/next", json={"campaign_id": desk.campaign_id}, headers=token
    ).get_json()["lead"]["id"]
    started = client.post("/api/calls", json={"lead_id": lead_id}, headers=token)
    assert started.status_code == 201
    call = started.get_json()["call"]
    assert (call["state"], call["number"]) == ("queued", "+84912345670")
    assert started.get_json()["agent"]["state"] == "ringing"
    with app.app_context():
        assert db.session.get(Call, call["id"]).lead_id == lead_id
        enqueue_originate(call["id"])  # a retried enqueue keeps the one job
        assert redis_hub.queue(QUEUE).job_ids.count(originate_job_id(call["id"])) == 1
    busy = client.post("/api/calls", json={"number": "0912345678"}, headers=token)
    assert (busy.status_code, busy.get_json()["code"]) == (409, "wrong_state")
    mine = client.get(f"/api/calls/{call['id']}", headers=token).get_json()["call"]
    assert mine["id"] == call["id"]
    # Cancel before the Originate left: CANCEL, the lead goes back untouched.
    cancelled = client.post(f"/api/calls/{call['id']}/hangup", headers=token).get_json()["call"]
    assert (cancelled["state"], cancelled["status"]) == ("ended", "CANCEL")
    with app.app_context():
        assert db.session.get(Lead, lead_id).attempts == 0


def test_a_manual_call_out_refuses_bad_and_blacklisted_numbers(app, client) -> None:
    from tests.factories.campaigns import blacklist

    make_desk(app)
    with app.app_context():
        blacklist(db.session, "+84987654321")
        db.session.commit()
    token = bearer(api_login(client)["token"])
    for number, code in (("0987 654 321", "blacklisted"), ("12ab", "invalid_number")):
        refused = client.post("/api/calls", json={"number": number}, headers=token)
        assert (refused.status_code, refused.get_json()["code"]) == (422, code)
    placed = client.post("/api/calls", json={"number": "0912.345.678"}, headers=token)
    assert placed.get_json()["call"]["number"] == "+84912345678"


def _answered_call(app, client, token) -> int:
    from dialer.domain.dialing.events import apply_port_event
    from dialer.jobs.calls import originate
    from dialer.models import utcnow
    from dialer.telephony.port import CallConnected, CallEnded, Party

    desk_campaign = client.get("/api/campaigns", headers=token).get_json()[0]["id"]
    lead_id = client.post(
        "/api/leads/next", json={"campaign_id": desk_campaign}, headers=token
    ).get_json()["lead"]["id"]
    call_id = client.post("/api/calls", json={"lead_id": lead_id}, headers=token).get_json()[
        "call"
    ]["id"]
    with app.app_context():
        from dialer.domain.dialing import outbound as dialing

        dialing.prepare_originate(db.session, call_id, utcnow(), ring_timeout_s=5, dial_timeout_s=5)
        uid = db.session.get(Call, call_id).call_uid
        apply_port_event(db.session, CallConnected(at=utcnow(), call_uid=uid))
        apply_port_event(
            db.session,
            CallEnded(
                at=utcnow(), call_uid=uid, status="ANSWER", cause=16, hung_up_by=Party.CUSTOMER
            ),
        )
        db.session.commit()
    assert originate  # the job function exists for the worker to run
    return call_id


def test_the_survey_is_checked_and_saved_exactly_once_per_key(app, client) -> None:
    desk = make_desk(app)
    token = bearer(api_login(client)["token"])
    call_id = _answered_call(app, client, token)
    assert client.get("/api/agent", headers=token).get_json()["state"] == "wrapup"
    url = f"/api/calls/{call_id}/survey"
    no_key = client.put(url, json={"answers": {}}, headers=token)
    assert (no_key.status_code, no_key.get_json()["code"]) == (400, "idempotency_key_required")
    keyed = {**token, "Idempotency-Key": "k-1"}
    rating, yes_no, *_rest = desk.question_ids
    invalid = client.put(url, json={"answers": {str(rating): "7"}}, headers=keyed)
    assert invalid.status_code == 422
    assert invalid.get_json()["errors"] == {
        str(rating): "Enter a whole number from 1 to 5.",
        str(yes_no): "This question needs an answer.",
    }
    answers = {"answers": {str(rating): 5, str(yes_no): "yes"}}
    first = client.put(url, json=answers, headers=keyed)
    again = client.put(url, json=answers, headers=keyed)
    assert (first.status_code, again.status_code) == (201, 200)
    assert (
        again.get_json()["replayed"]
        and again.get_json()["response_id"] == first.get_json()["response_id"]
    )
    assert first.get_json()["agent"]["state"] == "ready"
    other_key = client.put(url, json=answers, headers={**token, "Idempotency-Key": "k-2"})
    assert (other_key.status_code, other_key.get_json()["code"]) == (409, "already_saved")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1


def test_unknown_api_paths_and_other_agents_calls_are_json_404s(app, client) -> None:
    make_desk(app)
    token = bearer(api_login(client)["token"])
    missing = client.get("/api/nothing-here", headers=token)
    assert missing.status_code == 404 and set(missing.get_json()) == {"code", "message"}
    nobody = client.get("/api/calls/12345", headers=token)
    assert (nobody.status_code, nobody.get_json()["code"]) == (404, "unknown_call")


def test_the_picked_campaign_is_remembered_by_choice_or_get_lead_and_checked(app, client):
    desk = make_desk(app)
    with app.app_context():
        other = make_campaign(db.session, "Not mine").id
        db.session.commit()
    token = bearer(api_login(client)["token"])
    refused = client.put("/api/agent/campaign", json={"campaign_id": other}, headers=token)
    assert (refused.status_code, refused.get_json()["code"]) == (403, "not_assigned")
    bad = client.put("/api/agent/campaign", json={"campaign_id": "x"}, headers=token)
    assert (bad.status_code, bad.get_json()["code"]) == (422, "invalid_field")
    with app.app_context():
        assert chosen_campaign_id(db.session, desk.agent_id) is None
    client.post("/api/leads/next", json={"campaign_id": desk.campaign_id}, headers=token)
    with app.app_context():
        assert chosen_campaign_id(db.session, desk.agent_id) == desk.campaign_id
