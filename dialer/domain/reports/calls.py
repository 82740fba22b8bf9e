"""Call search and a campaign's call attempts: every call with its outcome and timings (M4)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from dialer.domain.contacts.xcm import report_for_call
from dialer.domain.reports import paging
from dialer.domain.reports.filters import Filters
from dialer.domain.reports.results import answer_text
from dialer.models import (
    Call,
    Campaign,
    Lead,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    User,
    XcmReport,
)

BATCH = 5000
CALL_COLUMNS = (
    Call.id,
    Call.created_at,
    Call.direction,
    Call.customer_number,
    Call.state,
    Call.status,
    Call.hangup_cause,
    Call.hangup_cause_text,
    Call.hung_up_by,
    Call.ringing_at,
    Call.answered_at,
    Call.ended_at,
    Call.wait_s,
    Call.talk_s,
)


@dataclass(frozen=True)
class CallRow:
    """One call with its lead, agent, outcome and timings."""

    call_id: int
    created_at: datetime
    direction: str
    campaign_name: str
    phone: str
    lead_name: str
    agent_name: str
    agent_username: str
    state: str
    status: str
    hangup_cause: int | None
    hangup_cause_text: str
    hung_up_by: str
    ringing_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    wait_s: int
    talk_s: int
    has_survey: bool
    has_xcm: bool

    @property
    def cursor(self) -> paging.Cursor:
        return paging.Cursor(self.created_at, self.call_id)


@dataclass(frozen=True)
class CallDetail:
    """A call with what was saved on it and every attempt made on its lead."""

    call: Call
    answers: list[tuple[str, Any]]  # (question, answer) in survey order
    report: XcmReport | None
    attempts: list[CallRow]


def search_calls(
    session: Session,
    filters: Filters,
    *,
    after: paging.Cursor | None = None,
    before: paging.Cursor | None = None,
    size: int = paging.PAGE_SIZE,
) -> paging.Page[CallRow]:
    """One page of the calls matching the filters, newest first."""
    query = (
        _query(filters)
        .where(*paging.keyset(Call.created_at, Call.id, after, before))
        .order_by(*paging.order(Call.created_at, Call.id, before))
        .limit(size + 1)
    )
    rows = [_row(found) for found in session.execute(query)]
    return paging.cut(rows, size, after, before, lambda row: row.cursor)


def call_rows(
    session: Session, campaign: Campaign, filters: Filters, *, batch: int = BATCH
) -> Iterator[CallRow]:
    """Every call of the campaign matching the filters, newest first, read in batches."""
    scoped = _scoped(filters, campaign)
    after: paging.Cursor | None = None
    while True:
        page = search_calls(session, scoped, after=after, size=batch)
        yield from page.rows
        if page.older is None:
            return
        after = page.older


def count_calls(session: Session, campaign: Campaign, filters: Filters) -> int:
    """How many calls of the campaign match the filters."""
    inner = _query(_scoped(filters, campaign)).with_only_columns(Call.id).subquery()
    return session.scalar(select(func.count()).select_from(inner)) or 0


def call_detail(
    session: Session, call_id: int, yes_no: tuple[str, str] = ("yes", "no")
) -> CallDetail | None:
    """The call, its survey answers, its XCM report and its lead's attempts; None if unknown."""
    call = session.get(Call, call_id)
    if call is None:
        return None
    answers = session.execute(
        select(SurveyQuestion.text, SurveyAnswer.value)
        .join(SurveyAnswer, SurveyAnswer.question_id == SurveyQuestion.id)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(SurveyResponse.call_id == call.id)
        .order_by(SurveyQuestion.position)
    )
    attempts: list[CallRow] = []
    if call.lead_id is not None:
        query = _query(Filters(zone=ZoneInfo("UTC"))).where(Call.lead_id == call.lead_id)
        attempts = [_row(found) for found in session.execute(query.order_by(Call.id.desc()))]
    return CallDetail(
        call=call,
        answers=[(text, answer_text(value, yes_no)) for text, value in answers],
        report=report_for_call(session, call.id),
        attempts=attempts,
    )


def _scoped(filters: Filters, campaign: Campaign) -> Filters:
    return replace(filters, campaign_id=campaign.id)


def _query(filters: Filters) -> Select[Any]:
    has_survey = exists().where(SurveyResponse.call_id == Call.id)
    has_xcm = exists().where(XcmReport.call_id == Call.id)
    query = (
        select(
            *CALL_COLUMNS,
            Campaign.name.label("campaign_name"),
            Lead.first_name,
            Lead.last_name,
            User.display_name,
            User.username,
            has_survey.label("has_survey"),
            has_xcm.label("has_xcm"),
        )
        .outerjoin(Campaign, Campaign.id == Call.campaign_id)
        .outerjoin(Lead, Lead.id == Call.lead_id)
        .outerjoin(User, User.id == Call.agent_id)
    )
    conditions = {
        "campaign_id": Call.campaign_id == filters.campaign_id,
        "agent_id": Call.agent_id == filters.agent_id,
        "status": Call.status == filters.status,
        "direction": Call.direction == filters.direction,
    }
    for name, condition in conditions.items():
        if getattr(filters, name) is not None:
            query = query.where(condition)
    if filters.number:
        if filters.number.startswith("+"):
            query = query.where(Call.customer_number == filters.number)
        else:
            query = query.where(Call.customer_number.contains(filters.number, autoescape=True))
    if filters.since is not None:
        query = query.where(Call.created_at >= filters.since)
    if filters.until is not None:
        query = query.where(Call.created_at < filters.until)
    return query


def _row(found: Any) -> CallRow:
    call = found
    return CallRow(
        call_id=call.id,
        created_at=call.created_at,
        direction=call.direction,
        campaign_name=found.campaign_name or "",
        phone=call.customer_number,
        lead_name=" ".join(p for p in (found.last_name, found.first_name) if p),
        agent_name=found.display_name or "",
        agent_username=found.username or "",
        state=call.state,
        status=call.status or "",
        hangup_cause=call.hangup_cause,
        hangup_cause_text=call.hangup_cause_text or "",
        hung_up_by=call.hung_up_by or "",
        ringing_at=call.ringing_at,
        answered_at=call.answered_at,
        ended_at=call.ended_at,
        wait_s=call.wait_s or 0,
        talk_s=call.talk_s or 0,
        has_survey=bool(found.has_survey),
        has_xcm=bool(found.has_xcm),
    )
