"""The agent report (M5): per agent and local day, sign-in times, ready, pauses, calls, surveys.

Sessions and pauses are few per agent and day, so they are read and cut at day
boundaries here; calls and surveys can be many, so the database counts them,
bucketed by local day with one CASE over the range's day boundaries (the same
SQL on SQLite and PostgreSQL, walking ``ix_calls_created_at``).

Ready time is the time signed in, less pauses and less the time on calls
(setting up and talking); the wrap-up after a call counts as ready.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from dialer.domain.contacts.history import day_bounds
from dialer.domain.reports.periods import days_of
from dialer.models import (
    ActivityKind,
    AgentActivity,
    AgentSession,
    Call,
    Direction,
    PauseReason,
    SurveyResponse,
    User,
)


@dataclass
class AgentDay:
    """One agent's day; durations in seconds."""

    user_id: int
    agent_id: str
    name: str
    day: date
    first_login: datetime | None = None
    last_logout: datetime | None = None
    signed_in_s: int = 0
    paused_s: int = 0
    paused_by_reason: dict[str, int] = field(default_factory=dict)
    talk_s: int = 0
    wait_s: int = 0
    outbound: dict[str, int] = field(default_factory=dict)
    inbound: dict[str, int] = field(default_factory=dict)
    surveys: int = 0

    @property
    def ready_s(self) -> int:
        """Signed in, not paused and not on a call."""
        return max(0, self.signed_in_s - self.paused_s - self.wait_s - self.talk_s)


def agent_report(
    session: Session,
    first: date,
    last: date,
    zone: ZoneInfo,
    now: datetime,
    *,
    agent_id: int | None = None,
) -> list[AgentDay]:
    """Every agent's (or one agent's) days from ``first`` to ``last`` that saw any work.

    Ordered by agent id, then day. A session or a pause still open counts up to ``now``.
    """
    days = days_of(first, last)
    edges = [day_bounds(day, zone)[0] for day in days] + [day_bounds(last, zone)[1]]
    report: dict[tuple[int, date], AgentDay] = {}
    people = _people(session, agent_id)

    def row(user_id: int, day: date) -> AgentDay:
        if (user_id, day) not in report:
            username, name = people[user_id]
            report[(user_id, day)] = AgentDay(user_id, username, name, day)
        return report[(user_id, day)]

    for user_id, login_at, logout_at in _sessions(session, edges, agent_id):
        if user_id not in people:
            continue
        for day, start, end in _cut(login_at, logout_at or now, days, edges):
            found = row(user_id, day)
            found.signed_in_s += int((end - start).total_seconds())
            if start == login_at and (found.first_login is None or login_at < found.first_login):
                found.first_login = login_at
            if logout_at is not None and end == logout_at:
                found.last_logout = max(found.last_logout or logout_at, logout_at)
    for user_id, reason, started, ended in _pauses(session, edges, agent_id):
        if user_id not in people:
            continue
        for day, start, end in _cut(started, ended or now, days, edges):
            found = row(user_id, day)
            seconds = int((end - start).total_seconds())
            found.paused_s += seconds
            found.paused_by_reason[reason] = found.paused_by_reason.get(reason, 0) + seconds
    for user_id, index, direction, status, count, wait_s, talk_s in _calls(
        session, edges, agent_id
    ):
        if user_id not in people:
            continue
        found = row(user_id, days[index])
        by_status = found.inbound if direction == Direction.INBOUND else found.outbound
        by_status[status or "open"] = by_status.get(status or "open", 0) + int(count)
        found.wait_s += int(wait_s)
        found.talk_s += int(talk_s)
    for user_id, index, count in _surveys(session, edges, agent_id):
        if user_id in people:
            row(user_id, days[index]).surveys += int(count)
    return sorted(report.values(), key=lambda r: (r.agent_id, r.day))


def report_columns(rows: list[AgentDay]) -> dict[str, list[str]]:
    """The pause reasons and the statuses that occur, for one column each in an export."""
    reasons: set[str] = set()
    outbound: set[str] = set()
    inbound: set[str] = set()
    for found in rows:
        reasons.update(found.paused_by_reason)
        outbound.update(found.outbound)
        inbound.update(found.inbound)
    return {
        "reasons": sorted(reasons),
        "outbound": sorted(outbound),
        "inbound": sorted(inbound),
    }


def _people(session: Session, agent_id: int | None) -> dict[int, tuple[str, str]]:
    query = select(User.id, User.username, User.display_name)
    if agent_id is not None:
        query = query.where(User.id == agent_id)
    return {uid: (username, name) for uid, username, name in session.execute(query)}


def _sessions(
    session: Session, edges: list[datetime], agent_id: int | None
) -> list[tuple[int, datetime, datetime | None]]:
    query = select(AgentSession.user_id, AgentSession.login_at, AgentSession.logout_at).where(
        AgentSession.login_at < edges[-1],
        AgentSession.logout_at.is_(None) | (AgentSession.logout_at > edges[0]),
    )
    if agent_id is not None:
        query = query.where(AgentSession.user_id == agent_id)
    return [tuple(found) for found in session.execute(query)]  # type: ignore[misc]


def _pauses(
    session: Session, edges: list[datetime], agent_id: int | None
) -> list[tuple[int, str, datetime, datetime | None]]:
    query = (
        select(
            AgentActivity.user_id,
            func.coalesce(PauseReason.name, ""),
            AgentActivity.started_at,
            AgentActivity.ended_at,
        )
        .outerjoin(PauseReason, PauseReason.id == AgentActivity.pause_reason_id)
        .where(
            AgentActivity.kind == ActivityKind.PAUSE,
            AgentActivity.started_at < edges[-1],
            AgentActivity.ended_at.is_(None) | (AgentActivity.ended_at > edges[0]),
        )
    )
    if agent_id is not None:
        query = query.where(AgentActivity.user_id == agent_id)
    return [tuple(found) for found in session.execute(query)]  # type: ignore[misc]


def _calls(session: Session, edges: list[datetime], agent_id: int | None) -> list[Any]:
    # The day index is computed in a subquery: PostgreSQL cannot match a GROUP BY
    # expression carrying its own bound parameters to the same one in the SELECT.
    inner = select(
        Call.agent_id,
        _day_index(Call.created_at, edges).label("day"),
        Call.direction,
        Call.status,
        Call.wait_s,
        Call.talk_s,
    ).where(Call.agent_id.is_not(None), Call.created_at >= edges[0], Call.created_at < edges[-1])
    if agent_id is not None:
        inner = inner.where(Call.agent_id == agent_id)
    calls = inner.subquery()
    return list(
        session.execute(
            select(
                calls.c.agent_id,
                calls.c.day,
                calls.c.direction,
                calls.c.status,
                func.count(),
                func.coalesce(func.sum(calls.c.wait_s), 0),
                func.coalesce(func.sum(calls.c.talk_s), 0),
            ).group_by(calls.c.agent_id, calls.c.day, calls.c.direction, calls.c.status)
        )
    )


def _surveys(session: Session, edges: list[datetime], agent_id: int | None) -> list[Any]:
    inner = select(
        SurveyResponse.agent_id, _day_index(SurveyResponse.created_at, edges).label("day")
    ).where(SurveyResponse.created_at >= edges[0], SurveyResponse.created_at < edges[-1])
    if agent_id is not None:
        inner = inner.where(SurveyResponse.agent_id == agent_id)
    saved = inner.subquery()
    return list(
        session.execute(
            select(saved.c.agent_id, saved.c.day, func.count()).group_by(
                saved.c.agent_id, saved.c.day
            )
        )
    )


def _day_index(column: ColumnElement[datetime], edges: list[datetime]) -> ColumnElement[int]:
    """SQL: which day of the range (0, 1, ...) an instant inside the range falls on."""
    if len(edges) == 2:
        return literal(0)
    return case(
        *[(column < edge, index) for index, edge in enumerate(edges[1:-1])],
        else_=len(edges) - 2,
    )


def _cut(
    start: datetime, end: datetime, days: list[date], edges: list[datetime]
) -> list[tuple[date, datetime, datetime]]:
    """The parts of ``start``..``end`` that fall on each day of the range."""
    parts = defaultdict(list)
    for day, low, high in zip(days, edges, edges[1:], strict=False):
        part_start, part_end = max(start, low), min(end, high)
        if part_start < part_end:
            parts[day].append((part_start, part_end))
    return [(day, s, e) for day, pieces in parts.items() for s, e in pieces]
