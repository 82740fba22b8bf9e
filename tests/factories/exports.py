"""Calls and surveys made the way an agent makes them, through the domain functions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from dialer.domain.campaigns import answers as survey_answers
from dialer.domain.dialing import outbound as dialing
from dialer.domain.dialing.events import apply_port_event
from dialer.models import Call, Campaign, QuestionKind, Survey, User
from dialer.telephony.port import CallConnected, CallEnded, Party
from tests.factories.campaigns import MORNING, make_campaign, make_survey
from tests.factories.leads import make_lead
from tests.factories.people import make_agent

CHANNELS = ["Tin nhắn", "Email", "Điện thoại"]
INJECTION = '=HYPERLINK("http://evil","x")'


def results_survey(session: Session) -> Survey:
    """Five questions, one of each kind the results show differently."""
    return make_survey(
        session,
        (QuestionKind.RATING, "Chất lượng dịch vụ (1-5)?", True, []),
        (QuestionKind.YES_NO, "Bạn có giới thiệu cho người quen?", True, []),
        (QuestionKind.MULTIPLE_CHOICE, "Kênh liên hệ?", False, CHANNELS),
        (QuestionKind.NUMBER, "Số lần gọi tổng đài?", False, []),
        (QuestionKind.TEXT, "Góp ý", False, []),
    )


def make_call(
    session: Session,
    agent: User,
    campaign: Campaign,
    at: datetime,
    *,
    status: str = "ANSWER",
    wait_s: int = 7,
    talk_s: int = 0,
    answers: dict[int, Any] | None = None,
) -> Call:
    """Get Lead, call it, end the call with ``status``; save the survey when one is given."""
    claimed = dialing.claim_next_lead(session, agent.id, campaign.id, at)
    assert isinstance(claimed, dialing.Claimed), claimed
    call, _ = dialing.start_call(session, agent.id, at, lead_id=claimed.lead.id)
    dialing.prepare_originate(session, call.id, at, ring_timeout_s=30, dial_timeout_s=30)
    answered = status == "ANSWER"
    if answered:
        apply_port_event(
            session, CallConnected(at=at + timedelta(seconds=wait_s), call_uid=call.call_uid)
        )
    ended = at + timedelta(seconds=wait_s + talk_s)
    apply_port_event(
        session,
        CallEnded(
            at=ended,
            call_uid=call.call_uid,
            status=status,
            cause=16 if answered else 17,
            cause_text="Normal Clearing" if answered else "User busy",
            hung_up_by=Party.CUSTOMER if answered else Party.SYSTEM,
            wait_s=wait_s,
            talk_s=talk_s,
        ),
    )
    if answers is not None:
        raw = {str(question): value for question, value in answers.items()}
        survey_answers.save_answers(session, agent.id, call.id, f"key-{call.id}", raw, ended)
    session.flush()
    return call


def make_floor(session: Session) -> tuple[Campaign, tuple[User, User], tuple[Call, Call, Call]]:
    """Two agents' calls: two surveys on two days (the second on a busy lead's retry), one busy."""
    first, _ = make_agent(session, "agent1", "1001")
    second, _ = make_agent(session, "agent2", "1002")
    survey = results_survey(session)
    campaign = make_campaign(session, "Khảo sát Q4", agents=[first, second], survey=survey)
    make_lead(session, campaign, "+84912345670", first_name="An", last_name="Nguyễn",
              custom={"Gói": "Vàng"})  # fmt: skip
    make_lead(session, campaign, "+84912345671", first_name="Bình", last_name="Trần",
              custom={"Gói": "-1+2"})  # fmt: skip
    make_lead(session, campaign, "+84912345672", first_name="Chi", last_name="Lê")
    q = [question.id for question in survey.questions]
    answered = make_call(
        session, first, campaign, MORNING, talk_s=95,
        answers={q[0]: "5", q[1]: "yes", q[2]: ["Email", "Điện thoại"], q[3]: "2", q[4]: INJECTION},
    )  # fmt: skip
    busy = make_call(session, second, campaign, MORNING + timedelta(minutes=5), status="BUSY")
    retried = make_call(
        session, second, campaign, MORNING + timedelta(days=1), talk_s=30,
        answers={q[0]: "3", q[1]: "no"},
    )  # fmt: skip
    session.commit()
    return campaign, (first, second), (answered, busy, retried)
