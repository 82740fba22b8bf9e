"""A campaign's completed surveys: one row each with the lead, the call and every answer (M4)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Text, cast, func, select
from sqlalchemy.orm import Session

from dialer.domain.reports import paging
from dialer.domain.reports.filters import Filters
from dialer.models import (
    Call,
    Campaign,
    Lead,
    LeadImport,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    User,
)

BATCH = 5000
CUSTOM_SAMPLE = 1000


@dataclass(frozen=True)
class QuestionColumn:
    """One column of answers: a question, the same in every version of the survey."""

    text: str
    kind: str
    question_ids: tuple[int, ...]


@dataclass
class ResultRow:
    """One completed survey with its lead, call and answers (in question-column order)."""

    response_id: int
    saved_at: datetime
    call_id: int | None
    call_at: datetime | None
    phone: str
    first_name: str
    last_name: str
    email: str
    custom: dict[str, Any]
    agent_name: str
    agent_username: str
    status: str
    talk_s: int
    answers: list[Any] = field(default_factory=list)

    @property
    def cursor(self) -> paging.Cursor:
        return paging.Cursor(self.saved_at, self.response_id)


def question_columns(session: Session, campaign: Campaign) -> list[QuestionColumn]:
    """The answer columns: every question of the surveys this campaign used, in survey order."""
    used = select(SurveyResponse.survey_id).where(SurveyResponse.campaign_id == campaign.id)
    survey_ids = set(session.scalars(used.distinct()))
    if campaign.survey_id:
        survey_ids.add(campaign.survey_id)
    questions = session.scalars(
        select(SurveyQuestion)
        .where(SurveyQuestion.survey_id.in_(survey_ids))
        .order_by(SurveyQuestion.survey_id.desc(), SurveyQuestion.position)
    )
    # A new survey version copies its questions: the same (position, text) is one column.
    merged: dict[tuple[int, str], list[SurveyQuestion]] = {}
    for question in questions:
        merged.setdefault((question.position, question.text), []).append(question)
    ordered = sorted(merged.items(), key=lambda item: (-item[1][0].survey_id, item[0][0]))
    return [
        QuestionColumn(text, same[0].kind, tuple(q.id for q in same))
        for (_position, text), same in ordered
    ]


def custom_fields(session: Session, campaign: Campaign) -> list[str]:
    """The custom lead fields of this campaign in their files' column order, then any found
    only on its leads."""
    names: dict[str, None] = {}
    for order in session.scalars(
        select(LeadImport.custom_order)
        .where(LeadImport.campaign_id == campaign.id)
        .order_by(LeadImport.id)
    ):
        names.update((header, None) for header in order or [])
    sample = select(Lead.custom).where(Lead.campaign_id == campaign.id).limit(CUSTOM_SAMPLE)
    for custom in session.scalars(sample):
        names.update((key, None) for key in (custom or {}))
    return list(names)


def results_page(
    session: Session,
    campaign: Campaign,
    filters: Filters,
    columns: Sequence[QuestionColumn],
    *,
    after: paging.Cursor | None = None,
    before: paging.Cursor | None = None,
    size: int = paging.PAGE_SIZE,
    yes_no: tuple[str, str] = ("yes", "no"),
) -> paging.Page[ResultRow]:
    """One page of completed surveys, newest first, each with its answers."""
    query = (
        _query(campaign, filters)
        .where(*paging.keyset(SurveyResponse.created_at, SurveyResponse.id, after, before))
        .order_by(*paging.order(SurveyResponse.created_at, SurveyResponse.id, before))
        .limit(size + 1)
    )
    rows = [_row(found) for found in session.execute(query)]
    page = paging.cut(rows, size, after, before, lambda row: row.cursor)
    # The answers of the same window, by the same query: no list of thousands of ids to send.
    window = query.with_only_columns(SurveyResponse.id).subquery()
    _fill_answers(session, page.rows, select(window.c.id), columns, yes_no)
    return page


def result_rows(
    session: Session,
    campaign: Campaign,
    filters: Filters,
    columns: Sequence[QuestionColumn],
    *,
    batch: int = BATCH,
    yes_no: tuple[str, str] = ("yes", "no"),
) -> Iterator[ResultRow]:
    """Every completed survey, newest first, read in batches so memory stays flat."""
    after: paging.Cursor | None = None
    while True:
        page = results_page(
            session, campaign, filters, columns, after=after, size=batch, yes_no=yes_no
        )
        yield from page.rows
        if page.older is None:
            return
        after = page.older


def count_results(session: Session, campaign: Campaign, filters: Filters) -> int:
    """How many completed surveys match the filters."""
    inner = _query(campaign, filters).with_only_columns(SurveyResponse.id).subquery()
    return session.scalar(select(func.count()).select_from(inner)) or 0


def _query(campaign: Campaign, filters: Filters) -> Select[Any]:
    query = (
        select(
            SurveyResponse.id,
            SurveyResponse.created_at,
            Call.id.label("call_id"),
            Call.created_at.label("call_at"),
            Call.status,
            Call.talk_s,
            Lead.phone,
            Lead.first_name,
            Lead.last_name,
            Lead.email,
            Lead.custom,
            User.display_name,
            User.username,
        )
        .select_from(SurveyResponse)
        .outerjoin(Call, Call.id == SurveyResponse.call_id)
        .outerjoin(Lead, Lead.id == SurveyResponse.lead_id)
        .outerjoin(User, User.id == SurveyResponse.agent_id)
        .where(SurveyResponse.campaign_id == campaign.id)
    )
    if filters.since is not None:
        query = query.where(SurveyResponse.created_at >= filters.since)
    if filters.until is not None:
        query = query.where(SurveyResponse.created_at < filters.until)
    if filters.agent_id is not None:
        query = query.where(SurveyResponse.agent_id == filters.agent_id)
    if filters.status is not None:
        query = query.where(Call.status == filters.status)
    return query


def _row(found: Any) -> ResultRow:
    return ResultRow(
        response_id=found.id,
        saved_at=found.created_at,
        call_id=found.call_id,
        call_at=found.call_at,
        phone=found.phone or "",
        first_name=found.first_name or "",
        last_name=found.last_name or "",
        email=found.email or "",
        custom=found.custom or {},
        agent_name=found.display_name or "",
        agent_username=found.username or "",
        status=found.status or "",
        talk_s=found.talk_s or 0,
    )


def _fill_answers(
    session: Session,
    rows: list[ResultRow],
    window: Select[Any],
    columns: Sequence[QuestionColumn],
    yes_no: tuple[str, str],
) -> None:
    if not rows:
        return
    place = {qid: index for index, column in enumerate(columns) for qid in column.question_ids}
    by_response = {row.response_id: row for row in rows}
    for row in rows:
        row.answers = [None] * len(columns)
    # The JSON as text, decoded here: most answers are numbers or yes/no, which need no parser.
    as_text = cast(SurveyAnswer.value, Text)
    found = session.execute(
        select(SurveyAnswer.response_id, SurveyAnswer.question_id, as_text).where(
            SurveyAnswer.response_id.in_(window)
        )
    )
    for response_id, question_id, text in found:
        index = place.get(question_id)
        row = by_response.get(response_id)  # the window's extra row is not on the page
        if index is not None and row is not None:
            row.answers[index] = answer_text(_decode(text), yes_no)


def _decode(text: str | None) -> Any:
    if text is None or text == "null":
        return None
    if text in ("true", "false"):
        return text == "true"
    if text[0] in "-0123456789":
        try:
            return int(text)
        except ValueError:
            return float(text)
    return json.loads(text)


def answer_text(value: Any, yes_no: tuple[str, str] = ("yes", "no")) -> Any:
    """An answer as one cell: choices joined with "; ", yes/no in words, numbers as numbers."""
    if isinstance(value, bool):
        return yes_no[0] if value else yes_no[1]
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return value
