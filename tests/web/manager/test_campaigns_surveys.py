"""The survey designer over HTTP: ordered questions, validation next to the form, versions."""

from __future__ import annotations

from sqlalchemy import select

from dialer.extensions import db
from dialer.models import Survey, SurveyResponse
from tests.factories.people import make_user
from tests.support.web import csrf_token, signed_in_manager


def questions(*rows: tuple[str, str, str, bool]) -> dict[str, object]:
    data: dict[str, object] = {}
    for n, (kind, text, options, required) in enumerate(rows):
        data[f"questions-{n}-kind"] = kind
        data[f"questions-{n}-text"] = text
        data[f"questions-{n}-options"] = options
        if required:
            data[f"questions-{n}-is_required"] = "y"
    return data


def test_a_manager_designs_a_survey_and_edits_it(app, client):
    signed_in_manager(app, client)
    token = csrf_token(client, "/surveys/new")
    response = client.post(
        "/surveys/new",
        data={
            "csrf_token": token,
            "name": "Sau bán hàng",
            "description": "",
            **questions(
                ("multiple_choice", "Sản phẩm đã dùng?", "Gói A\nGói B\n\nGói C", True),
                ("number", "Bao nhiêu người trong nhà?", "", False),
                ("text", "", "", False),  # an empty row left by the manager
            ),
        },
    )
    assert response.status_code == 302
    with app.app_context():
        survey = db.session.scalar(select(Survey))
        assert [(q.kind, q.options, q.is_required) for q in survey.questions] == [
            ("multiple_choice", ["Gói A", "Gói B", "Gói C"], True),
            ("number", [], False),
        ]
        survey_id = survey.id
    page = client.get(f"/surveys/{survey_id}/edit").get_data(as_text=True)
    assert "Sản phẩm đã dùng?" in page and "Gói A\nGói B\nGói C" in page


def test_validation_names_the_question_that_is_wrong(app, client):
    signed_in_manager(app, client)
    token = csrf_token(client, "/surveys/new")
    page = client.post(
        "/surveys/new",
        data={
            "csrf_token": token,
            "name": "x",
            **questions(("yes_no", "Ok?", "", False), ("single_choice", "Màu?", "Đỏ", False)),
        },
    ).get_data(as_text=True)
    assert "Question 2 needs two or more options." in page
    with app.app_context():
        assert db.session.scalar(select(Survey)) is None


def test_editing_an_answered_survey_makes_version_2_and_says_so(app, client):
    signed_in_manager(app, client)
    with app.app_context():
        from dialer.domain.campaigns.surveys import QuestionSpec, create_survey

        survey = create_survey(db.session, "NPS", [QuestionSpec("rating", "Điểm?")])
        agent = make_user(db.session, "agent1")
        db.session.add(SurveyResponse(survey_id=survey.id, agent_id=agent.id, idempotency_key="a"))
        db.session.commit()
        survey_id = survey.id
    page = client.get(f"/surveys/{survey_id}/edit").get_data(as_text=True)
    assert 'data-testid="answered"' in page
    token = csrf_token(client, f"/surveys/{survey_id}/edit")
    response = client.post(
        f"/surveys/{survey_id}/edit",
        data={"csrf_token": token, "name": "NPS", **questions(("rating", "Điểm (1-5)?", "", True))},
        follow_redirects=True,
    )
    assert "saved as version 2" in response.get_data(as_text=True)
    with app.app_context():
        versions = db.session.scalars(select(Survey).order_by(Survey.version)).all()
        assert [(s.version, s.is_current, s.questions[0].text) for s in versions] == [
            (1, False, "Điểm?"),
            (2, True, "Điểm (1-5)?"),
        ]
