"""The survey after a call: every answer checked, saved exactly once, then Ready."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dialer.domain.campaigns import answers as survey_answers
from dialer.domain.campaigns.answers import SurveyInvalid
from dialer.domain.dialing import outbound as dialing
from dialer.domain.dialing.events import apply_port_event
from dialer.domain.people.agents import AgentError
from dialer.extensions import db
from dialer.models import AgentState, SurveyAnswer, SurveyResponse
from dialer.telephony.port import CallConnected, CallEnded, Party
from tests.factories.campaigns import MORNING, make_campaign, standard_survey
from tests.factories.leads import make_lead
from tests.factories.people import make_agent


@pytest.fixture
def answered(ctx):
    """An agent in wrap-up after an answered call of a campaign with a survey."""
    user, agent_session = make_agent(db.session)
    survey = standard_survey(db.session)
    campaign = make_campaign(db.session, agents=[user], survey=survey)
    lead = make_lead(db.session, campaign)
    dialing.claim_next_lead(db.session, user.id, campaign.id, MORNING)
    call, _ = dialing.start_call(db.session, user.id, MORNING, lead_id=lead.id)
    dialing.prepare_originate(db.session, call.id, MORNING, ring_timeout_s=30, dial_timeout_s=30)
    apply_port_event(db.session, CallConnected(at=MORNING, call_uid=call.call_uid))
    apply_port_event(
        db.session,
        CallEnded(
            at=MORNING,
            call_uid=call.call_uid,
            status="ANSWER",
            cause=16,
            hung_up_by=Party.CUSTOMER,
        ),
    )
    assert agent_session.state == AgentState.WRAPUP
    ids = [q.id for q in survey.questions]
    return user, agent_session, call, ids


def test_required_questions_and_bad_values_are_named_one_by_one(answered) -> None:
    user, agent_session, call, (rating, yes_no, plan, _text) = answered
    with pytest.raises(SurveyInvalid) as invalid:
        survey_answers.save_answers(
            db.session, user.id, call.id, "key-1", {str(rating): "9", str(plan): "Gold"}, MORNING
        )
    assert invalid.value.errors == {
        rating: survey_answers.OUT_OF_RANGE,
        yes_no: survey_answers.REQUIRED,
        plan: survey_answers.NOT_A_CHOICE,
    }
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 0
    assert agent_session.state == AgentState.WRAPUP


def test_the_same_key_saves_once_and_the_agent_is_ready(answered) -> None:
    user, agent_session, call, (rating, yes_no, plan, text) = answered
    answers = {str(rating): "4", str(yes_no): "yes", str(plan): "Premium", str(text): " ok "}
    first = survey_answers.save_answers(db.session, user.id, call.id, "key-1", answers, MORNING)
    again = survey_answers.save_answers(db.session, user.id, call.id, "key-1", answers, MORNING)
    assert first.is_new and not again.is_new and again.response.id == first.response.id
    values = dict(db.session.execute(select(SurveyAnswer.question_id, SurveyAnswer.value)).all())
    assert values == {rating: 4, yes_no: True, plan: "Premium", text: "ok"}
    assert (first.response.lead_id, first.response.call_id) == (call.lead_id, call.id)
    assert agent_session.state == AgentState.READY
    with pytest.raises(AgentError) as refused:
        survey_answers.save_answers(db.session, user.id, call.id, "key-2", answers, MORNING)
    assert refused.value.code == survey_answers.ALREADY_SAVED


def test_another_agents_call_cannot_be_answered(answered) -> None:
    _user, _session, call, _ids = answered
    other, _ = make_agent(db.session, "agent2", "1002")
    with pytest.raises(AgentError) as refused:
        survey_answers.save_answers(db.session, other.id, call.id, "k", {}, MORNING)
    assert refused.value.code == survey_answers.UNKNOWN_CALL


@pytest.mark.parametrize(
    ("kind", "raw", "stored"),
    [
        ("number", "3,5", 3.5),
        ("number", "12", 12),
        ("yes_no", False, False),
        ("multiple_choice", ["B", "A"], ["A", "B"]),
        ("single_choice", "A", "A"),
    ],
)
def test_values_are_stored_in_their_own_type(kind: str, raw: object, stored: object) -> None:
    question = survey_answers.SurveyQuestion(id=7, kind=kind, options=["A", "B"], is_required=True)
    assert survey_answers.validate_answers([question], {"7": raw}) == {7: stored}


@pytest.mark.parametrize(
    ("kind", "raw", "problem"),
    [
        ("number", "nan", survey_answers.NOT_A_NUMBER),
        ("number", True, survey_answers.NOT_A_NUMBER),
        ("rating", "4.5", survey_answers.OUT_OF_RANGE),
        ("yes_no", "maybe", survey_answers.NOT_YES_NO),
        ("multiple_choice", ["A", "Z"], survey_answers.NOT_A_CHOICE),
        ("text", "x" * 2001, survey_answers.TOO_LONG),
        ("text", "   ", survey_answers.REQUIRED),
    ],
)
def test_bad_values_are_refused(kind: str, raw: object, problem: str) -> None:
    question = survey_answers.SurveyQuestion(id=7, kind=kind, options=["A", "B"], is_required=True)
    with pytest.raises(SurveyInvalid) as invalid:
        survey_answers.validate_answers([question], {"7": raw})
    assert invalid.value.errors == {7: problem}
