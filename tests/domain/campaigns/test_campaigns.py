"""Campaign rules and the survey designer's versioning, on the real database."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import select

from dialer.domain.campaigns.lifecycle import (
    CampaignError,
    CampaignSettings,
    Missing,
    allowed_transitions,
    apply_settings,
    create_campaign,
    dialable_leads,
    missing_to_start,
    pause_campaign,
    start_campaign,
    stop_campaign,
)
from dialer.domain.campaigns.surveys import QuestionSpec, SurveyError, create_survey, revise_survey
from dialer.extensions import db
from dialer.models import (
    Campaign,
    CampaignStatus,
    Lead,
    LeadStatus,
    Survey,
    SurveyAnswer,
    SurveyResponse,
)
from tests.factories.campaigns import blacklist, make_draft_campaign, make_yes_no_survey
from tests.factories.people import make_user

QUESTIONS = [
    QuestionSpec("single_choice", "Bạn biết chúng tôi qua đâu?", ["Facebook", "Bạn bè", ""]),
    QuestionSpec("rating", "  Mức độ hài lòng?  ", ["bỏ qua"], is_required=True),
    QuestionSpec("yes_no", "Giới thiệu cho bạn bè?"),
]


def test_caller_id_is_stored_in_e164_whatever_its_shape(ctx):
    for shape in ("028 3812 3456", "+84 28 3812 3456", "842838123456"):
        campaign = create_campaign(db.session, name=f"c {shape}", caller_id=shape)
        assert campaign.caller_id == "+842838123456"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"caller_id": "0912"}, "caller_id_invalid"),
        ({"timezone": "Mars/Olympus"}, "zone_unknown"),
        ({"call_days": ""}, "days_missing"),
        ({"call_start": time(18), "call_end": time(8)}, "hours_backwards"),
        ({"max_attempts": 0}, "attempts_range"),
        ({"retry_minutes": {"BUSY": -1}}, "retry_range"),
        ({"survey_id": 999}, "survey_unknown"),
        ({"name": "  "}, "name_missing"),
    ],
)
def test_bad_settings_are_refused_with_a_reason(ctx, change, code):
    campaign = make_draft_campaign(db.session)
    settings = CampaignSettings.of(campaign)
    for name, value in change.items():
        setattr(settings, name, value)
    with pytest.raises(CampaignError) as refused:
        apply_settings(db.session, campaign, settings, "VN")
    assert refused.value.code == code


def test_two_campaigns_cannot_share_a_name(ctx):
    make_draft_campaign(db.session, "Tết")
    with pytest.raises(CampaignError) as refused:
        create_campaign(db.session, name="tết")
    assert refused.value.code == "name_taken"


def test_a_campaign_starts_only_with_caller_id_survey_and_a_dialable_lead(ctx):
    campaign = make_draft_campaign(db.session, max_attempts=2)
    assert missing_to_start(db.session, campaign) == [
        Missing.CALLER_ID,
        Missing.SURVEY,
        Missing.LEADS,
    ]
    campaign.caller_id = "+842838123456"
    campaign.survey_id = make_yes_no_survey(db.session).id
    db.session.add_all(
        [
            Lead(campaign_id=campaign.id, phone="+84912000001", phone_raw="", attempts=2),
            Lead(
                campaign_id=campaign.id, phone="+84912000002", phone_raw="", status=LeadStatus.DONE
            ),
            Lead(campaign_id=campaign.id, phone="+84912000003", phone_raw=""),
        ]
    )
    db.session.flush()
    assert dialable_leads(db.session, campaign) == 1
    blacklist(db.session, "+84912000003")  # takes effect at once
    with pytest.raises(CampaignError) as refused:
        start_campaign(db.session, campaign)
    assert refused.value.values["missing"] == [Missing.LEADS]
    db.session.add(Lead(campaign_id=campaign.id, phone="+84912000004", phone_raw=""))
    db.session.flush()
    start_campaign(db.session, campaign)
    assert campaign.status == "running"
    pause_campaign(campaign)
    assert campaign.status == "paused"


def test_only_a_running_campaign_pauses(ctx):
    with pytest.raises(CampaignError):
        pause_campaign(make_draft_campaign(db.session))


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        (CampaignStatus.DRAFT, ["start"]),
        (CampaignStatus.RUNNING, ["pause", "stop"]),
        (CampaignStatus.PAUSED, ["start", "stop"]),
        (CampaignStatus.STOPPED, ["start"]),
    ],
)
def test_the_page_offers_exactly_the_changes_the_rules_accept(ctx, status, allowed):
    campaign = make_draft_campaign(db.session)
    campaign.status = status
    assert allowed_transitions(campaign) == allowed
    if "stop" in allowed:
        stop_campaign(campaign)
        assert campaign.status == CampaignStatus.STOPPED
    elif status == CampaignStatus.DRAFT:
        with pytest.raises(CampaignError) as refused:
            stop_campaign(campaign)
        assert refused.value.code == "not_started" and campaign.status == CampaignStatus.DRAFT


def test_the_designer_keeps_order_types_options_and_required_flags(ctx):
    survey = create_survey(db.session, "Hài lòng", QUESTIONS)
    stored = [(q.position, q.kind, q.text, q.options, q.is_required) for q in survey.questions]
    assert stored == [
        (1, "single_choice", "Bạn biết chúng tôi qua đâu?", ["Facebook", "Bạn bè"], False),
        (2, "rating", "Mức độ hài lòng?", [], True),
        (3, "yes_no", "Giới thiệu cho bạn bè?", [], False),
    ]
    assert (survey.version, survey.family_id) == (1, survey.id)


@pytest.mark.parametrize(
    ("questions", "code", "position"),
    [
        ([], "no_questions", None),
        ([QuestionSpec("text", "  ")], "text_missing", 1),
        (
            [QuestionSpec("yes_no", "a"), QuestionSpec("multiple_choice", "b", ["x"])],
            "options_missing",
            2,
        ),
        ([QuestionSpec("essay", "a")], "kind_unknown", 1),
    ],
)
def test_a_survey_that_cannot_work_is_refused_naming_the_question(ctx, questions, code, position):
    with pytest.raises(SurveyError) as refused:
        create_survey(db.session, "x", questions)
    assert (refused.value.code, refused.value.position) == (code, position)


def test_an_unanswered_survey_is_edited_in_place(ctx):
    survey = create_survey(db.session, "Hài lòng", QUESTIONS)
    reordered = [QUESTIONS[2], QUESTIONS[0]]
    saved = revise_survey(db.session, survey, "Hài lòng 2", reordered)
    assert saved.id == survey.id and saved.version == 1
    assert [q.text for q in saved.questions] == [QUESTIONS[2].text, QUESTIONS[0].text]


def test_an_answered_survey_gets_a_new_version_and_its_answers_keep_their_questions(ctx):
    survey = create_survey(db.session, "Hài lòng", QUESTIONS)
    campaign = make_draft_campaign(db.session, survey_id=survey.id)
    agent = make_user(db.session, "agent7")
    response = SurveyResponse(survey_id=survey.id, agent_id=agent.id, idempotency_key="k1")
    response.answers = [SurveyAnswer(question_id=survey.questions[1].id, value=5)]
    db.session.add(response)
    db.session.flush()
    old_questions = [(q.id, q.text) for q in survey.questions]

    saved = revise_survey(db.session, survey, "Hài lòng", [QuestionSpec("text", "Góp ý?")])
    assert saved.id != survey.id
    assert (saved.version, saved.family_id, saved.is_current) == (2, survey.id, True)
    db.session.refresh(survey)
    assert survey.is_current is False
    assert [(q.id, q.text) for q in survey.questions] == old_questions
    assert db.session.get(Campaign, campaign.id).survey_id == saved.id
    answer = db.session.scalar(select(SurveyAnswer))
    assert answer.question.text == "Mức độ hài lòng?"
    current = db.session.scalars(select(Survey).where(Survey.is_current)).all()
    assert current == [saved]
