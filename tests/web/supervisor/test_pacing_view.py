"""The supervisors' view of predictive dialing: level, lines, rates against the cap."""

from __future__ import annotations

from datetime import timedelta

from dialer import pacing_state
from dialer.extensions import db, redis_hub
from dialer.models import Call, CallState, CallStatus, DialMode, Role, utcnow
from tests.factories.campaigns import make_campaign
from tests.factories.leads import make_lead
from tests.factories.people import make_agent, make_user
from tests.support.web import login


def _supervisor(app, language: str = "en"):
    with app.app_context():
        make_user(db.session, "boss", role=Role.SUPERVISOR, password="boss-pass", language=language)
        db.session.commit()
    client = app.test_client()
    login(client, "boss", "boss-pass")
    return client


def _ended_call(campaign, lead, n: int, status: str, answered: bool):
    now = utcnow()
    return Call(
        call_uid=f"p{n}",
        direction="outbound",
        campaign_id=campaign.id,
        lead_id=lead.id,
        customer_number=lead.phone,
        queue="support",
        state=CallState.ENDED,
        status=status,
        created_at=now - timedelta(minutes=5),
        answered_at=now - timedelta(minutes=5) if answered else None,
        ended_at=now - timedelta(minutes=4),
    )


def _campaign_with_calls(app) -> int:
    """A predictive campaign: 2 agents Ready, 20 answered calls today of which 1 abandoned."""
    with app.app_context():
        users = [make_agent(db.session, f"agent{i}", f"100{i}", now=utcnow())[0] for i in (1, 2)]
        campaign = make_campaign(
            db.session, "Hè 2026", agents=users, dial_mode=DialMode.PREDICTIVE, abandon_cap_pct=3.0
        )
        lead = make_lead(db.session, campaign)
        for n in range(19):
            db.session.add(_ended_call(campaign, lead, n, CallStatus.ANSWER, answered=True))
        db.session.add(_ended_call(campaign, lead, 19, CallStatus.ABANDON, answered=True))
        for n in range(20, 40):
            db.session.add(_ended_call(campaign, lead, n, CallStatus.NOANSWER, answered=False))
        make_campaign(db.session, "Preview only")
        db.session.commit()
        pacing_state.save_state(
            redis_hub.client, campaign.id, {"level": 1.7, "lines": 2, "reason": "near_cap"}
        )
        return campaign.id


def test_the_supervisor_sees_each_predictive_campaign_against_its_cap(app) -> None:
    campaign_id = _campaign_with_calls(app)
    client = _supervisor(app)

    page = client.get("/supervisor/pacing/")

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'data-testid="pacing-row-{campaign_id}"' in html
    assert "Preview only" not in html
    assert 'data-testid="level">1.7<' in html
    assert 'data-testid="answer-rate">50%' in html  # 20 answered of 40 dialled
    assert "5.0%" in html and "(1/20)" in html  # abandoned today, against...
    assert 'data-testid="cap">3.0%<' in html
    assert 'data-testid="capped"' in html  # 5% is over the 3% cap: one line per agent
    assert 'data-testid="agents-waiting">2<' in html


def test_the_view_speaks_vietnamese_and_redraws_its_rows_alone(app) -> None:
    _campaign_with_calls(app)
    client = _supervisor(app, language="vi")

    page = client.get("/supervisor/pacing/").get_data(as_text=True)
    rows = client.get("/supervisor/pacing/?part=rows").get_data(as_text=True)

    assert "Quay số dự đoán" in page and "Mức trần" in page
    assert "<html" not in rows and "Chạm mức trần" in rows


def test_with_no_predictive_campaign_it_says_so(app) -> None:
    client = _supervisor(app)
    html = client.get("/supervisor/pacing/").get_data(as_text=True)
    assert "No predictive campaign is running." in html


def test_an_agent_may_not_open_it(app) -> None:
    with app.app_context():
        make_agent(db.session, signed_in=False)
        db.session.commit()
    client = app.test_client()
    login(client, "agent1", "agent-pass", extension="1001")
    assert client.get("/supervisor/pacing/").status_code in (302, 403)
