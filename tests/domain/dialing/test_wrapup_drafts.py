"""Nothing typed is lost: survey drafts per call, and Ready in wrap-up asks for the survey first."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dialer.domain.campaigns import answers as survey_answers
from dialer.domain.campaigns import drafts
from dialer.domain.dialing import outbound as dialing
from dialer.domain.dialing import wrapup
from dialer.domain.dialing.events import apply_port_event
from dialer.domain.people.agents import AgentError
from dialer.extensions import db
from dialer.models import AgentState, SurveyDraft
from dialer.telephony.port import CallConnected, CallEnded, Party
from tests.factories.campaigns import MORNING, make_campaign, standard_survey
from tests.factories.leads import make_lead
from tests.factories.people import make_agent


@pytest.fixture
def on_call(ctx):
    """An agent talking to a lead of a campaign with a survey: (user, session, call, ids)."""
    user, agent_session = make_agent(db.session)
    survey = standard_survey(db.session)
    campaign = make_campaign(db.session, agents=[user], survey=survey)
    lead = make_lead(db.session, campaign)
    dialing.claim_next_lead(db.session, user.id, campaign.id, MORNING)
    call, _ = dialing.start_call(db.session, user.id, MORNING, lead_id=lead.id)
    dialing.prepare_originate(db.session, call.id, MORNING, ring_timeout_s=30, dial_timeout_s=30)
    apply_port_event(db.session, CallConnected(at=MORNING, call_uid=call.call_uid))
    return user, agent_session, call, [q.id for q in survey.questions]


def _hang_up(call) -> None:
    apply_port_event(
        db.session,
        CallEnded(
            at=MORNING, call_uid=call.call_uid, status="ANSWER", cause=16, hung_up_by=Party.CUSTOMER
        ),
    )


def test_a_draft_keeps_the_survey_answers_typed_so_far_and_replaces_them(on_call) -> None:
    user, _session, call, (rating, yes_no, *_rest) = on_call
    assert drafts.save_draft(db.session, user.id, call.id, {str(rating): "4"}, MORNING)
    assert drafts.draft_answers(db.session, call.id) == {str(rating): "4"}
    answers = {str(rating): "5", str(yes_no): "yes", "9999": "not a question"}
    drafts.save_draft(db.session, user.id, call.id, answers, MORNING)
    assert drafts.draft_answers(db.session, call.id) == {str(rating): "5", str(yes_no): "yes"}
    assert db.session.scalar(select(func.count()).select_from(SurveyDraft)) == 1


def test_a_draft_refuses_odd_values_and_other_agents_calls(on_call) -> None:
    user, _session, call, (rating, *_rest) = on_call
    with pytest.raises(AgentError) as refused:
        drafts.save_draft(db.session, user.id, call.id, {str(rating): {"nested": 1}}, MORNING)
    assert refused.value.code == drafts.DRAFT_INVALID
    with pytest.raises(AgentError) as refused:
        drafts.save_draft(db.session, user.id, call.id, {str(rating): "x" * 2001}, MORNING)
    assert refused.value.code == drafts.DRAFT_INVALID
    other, _ = make_agent(db.session, "agent2", "1002")
    with pytest.raises(AgentError) as refused:
        drafts.save_draft(db.session, other.id, call.id, {str(rating): "4"}, MORNING)
    assert refused.value.code == survey_answers.UNKNOWN_CALL
    assert drafts.draft_answers(db.session, call.id) == {}


def test_saving_the_survey_drops_the_draft_and_later_drafts_are_ignored(on_call) -> None:
    user, _session, call, (rating, yes_no, *_rest) = on_call
    answers = {str(rating): "4", str(yes_no): "no"}
    drafts.save_draft(db.session, user.id, call.id, answers, MORNING)
    survey_answers.save_answers(db.session, user.id, call.id, "k-1", answers, MORNING)
    assert drafts.draft_answers(db.session, call.id) == {}
    assert not drafts.save_draft(db.session, user.id, call.id, answers, MORNING)
    assert drafts.draft_answers(db.session, call.id) == {}


def test_ready_in_wrap_up_asks_for_the_survey_first(on_call) -> None:
    user, agent_session, call, (rating, *_rest) = on_call
    _hang_up(call)
    drafts.save_draft(db.session, user.id, call.id, {str(rating): "2"}, MORNING)
    assert agent_session.state == AgentState.WRAPUP
    with pytest.raises(AgentError) as refused:
        wrapup.go_ready(db.session, user.id, MORNING, is_survey_left=False)
    assert refused.value.code == wrapup.SURVEY_UNSAVED
    assert agent_session.state == AgentState.WRAPUP
    assert drafts.draft_answers(db.session, call.id) == {str(rating): "2"}
    wrapup.go_ready(db.session, user.id, MORNING, is_survey_left=True)
    assert agent_session.state == AgentState.READY
    assert drafts.draft_answers(db.session, call.id) == {}


def test_ready_from_a_pause_or_after_a_saved_survey_needs_no_confirmation(on_call) -> None:
    user, agent_session, call, (rating, yes_no, *_rest) = on_call
    _hang_up(call)
    answers = {str(rating): "3", str(yes_no): "yes"}
    survey_answers.save_answers(db.session, user.id, call.id, "k-2", answers, MORNING)
    assert agent_session.state == AgentState.READY
    wrapup.go_ready(db.session, user.id, MORNING, is_survey_left=False)
    assert agent_session.state == AgentState.READY
