"""What an agent did on a day, in the deployment's time zone: calls, totals, activity (H1-H4, A6).

Also the phone history of one number (I4). Every query here walks an index:
``ix_calls_agent_id_created_at`` for an agent's day, ``ix_calls_customer_number_created_at``
for a number, ``ix_agent_activities_user_id_started_at`` for the activity log.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from dialer.models import (
    COMPLETED_STATUSES,
    ActivityKind,
    AgentActivity,
    AgentSession,
    Call,
    CallState,
    CallStatus,
    Direction,
    Role,
    User,
    XcmReport,
)

PAGE_SIZE = 10


class Tab(enum.StrEnum):
    ALL = "all"
    INBOUND = "inbound"
    OUTBOUND = "outbound"


@dataclass(frozen=True)
class Totals:
    day: date
    total: int
    completed: int
    failed: int
    wait_s: int
    talk_s: int


@dataclass(frozen=True)
class CallRow:
    call_id: int
    at: datetime
    direction: str
    number: str
    status: str | None
    state: str
    wait_s: int
    talk_s: int
    has_xcm: bool
    agent_name: str = ""


@dataclass(frozen=True)
class HistoryPage:
    totals: Totals
    rows: list[CallRow]
    tab: Tab
    page: int
    pages: int


@dataclass(frozen=True)
class PhonePage:
    rows: list[CallRow]
    page: int
    has_more: bool


@dataclass(frozen=True)
class ActivityRow:
    kind: str
    started_at: datetime
    ended_at: datetime | None
    duration_s: int | None
    reason: str
    reason_vi: str
    detail: str


@dataclass(frozen=True)
class Summary:
    """The Show CW box (A6): the call on now, and today's counts."""

    current: CallRow | None
    since: datetime | None  # talk timer start (or ringing start before the answer)
    inbound_today: int
    outbound_today: int
    is_vip: bool


def local_day(zone: ZoneInfo, now: datetime) -> date:
    """The date ``now`` falls on in ``zone``."""
    return now.astimezone(zone).date()


# The days a history can be asked about: the calendar's ends have no UTC bounds in every zone.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2999, 12, 31)


def parse_day(text: str) -> date | None:
    """The day written YYYY-MM-DD between FIRST_DAY and LAST_DAY; None for anything else."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if len(text) == 10 and FIRST_DAY <= day <= LAST_DAY else None


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants a local day starts and ends at (end excluded)."""
    start = datetime.combine(day, time.min, zone)
    end = datetime.combine(day + timedelta(days=1), time.min, zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def may_view_agent(viewer: User, agent_id: int) -> bool:
    """An agent sees only their own history; supervisors and managers see everyone's."""
    return viewer.id == agent_id or viewer.has_role(Role.SUPERVISOR, Role.MANAGER)


def agent_history(
    session: Session,
    agent_id: int | None,
    day: date,
    zone: ZoneInfo,
    *,
    tab: Tab = Tab.ALL,
    page: int = 1,
    last: date | None = None,
) -> HistoryPage:
    """The agent's calls (every agent's, for None) of local days ``day`` to ``last``, in a tab.

    Newest first, 10 a page, with the totals of the whole range.
    """
    where = _agent_days(agent_id, day, last or day, zone, tab)
    totals = _totals(session, day, where)
    pages = max(1, -(-totals.total // PAGE_SIZE))
    page = min(max(1, page), pages)
    query = (
        _rows_query()
        .add_columns(func.coalesce(User.display_name, ""))
        .outerjoin(User, User.id == Call.agent_id)
        .where(*where)
        .order_by(Call.created_at.desc(), Call.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    rows = [_row(found, agent_name=found[-1]) for found in session.execute(query)]
    return HistoryPage(totals=totals, rows=rows, tab=tab, page=page, pages=pages)


@dataclass(frozen=True)
class AgentTotals:
    user_id: int
    username: str
    name: str
    total: int
    completed: int
    talk_s: int


def agents_totals(session: Session, first: date, last: date, zone: ZoneInfo) -> list[AgentTotals]:
    """Every agent, by agent id, with their calls of local days ``first`` to ``last``."""
    start, end = day_bounds(first, zone)[0], day_bounds(last, zone)[1]
    completed = [str(s) for s in COMPLETED_STATUSES]
    in_range = (Call.agent_id == User.id) & (Call.created_at >= start) & (Call.created_at < end)
    rows = session.execute(
        select(
            User.id,
            User.username,
            User.display_name,
            func.count(Call.id),
            func.coalesce(func.sum(case((Call.status.in_(completed), 1), else_=0)), 0),
            func.coalesce(func.sum(Call.talk_s), 0),
        )
        .outerjoin(Call, in_range)
        .where(User.role == Role.AGENT)
        .group_by(User.id, User.username, User.display_name)
        .order_by(User.username)
    ).all()
    return [AgentTotals(*row[:3], *(int(v) for v in row[3:])) for row in rows]


def phone_history(session: Session, number: str, *, page: int = 1) -> PhonePage:
    """Earlier calls with a number, newest first, 10 a page; missed offers are left out."""
    page = max(1, page)
    query = (
        _rows_query()
        .add_columns(func.coalesce(User.display_name, ""))
        .outerjoin(User, User.id == Call.agent_id)
        .where(
            Call.customer_number == number,
            func.coalesce(Call.status, "") != CallStatus.RINGNOANSWER,
        )
        .order_by(Call.created_at.desc(), Call.id.desc())
        .limit(PAGE_SIZE + 1)
        .offset((page - 1) * PAGE_SIZE)
    )
    found = list(session.execute(query))
    rows = [_row(r, agent_name=r[-1]) for r in found[:PAGE_SIZE]]
    return PhonePage(rows=rows, page=page, has_more=len(found) > PAGE_SIZE)


def activity(
    session: Session, user_id: int, day: date, zone: ZoneInfo, *, now: datetime
) -> list[ActivityRow]:
    """The agent's logins, logouts and pauses of a local day, oldest first; open pauses to now."""
    start, end = day_bounds(day, zone)
    found = session.scalars(
        select(AgentActivity)
        .where(
            AgentActivity.user_id == user_id,
            AgentActivity.started_at >= start,
            AgentActivity.started_at < end,
            AgentActivity.kind != ActivityKind.UNPAUSE,
        )
        .order_by(AgentActivity.started_at, AgentActivity.id)
    )
    return [_activity_row(item, now) for item in found]


def paused_seconds(rows: list[ActivityRow]) -> int:
    """How long the agent was paused in these rows."""
    return sum(row.duration_s or 0 for row in rows if row.kind == ActivityKind.PAUSE)


def summary(session: Session, user_id: int, zone: ZoneInfo, *, now: datetime) -> Summary:
    """The current call of the agent's open session and today's inbound and outbound counts."""
    start, end = day_bounds(local_day(zone, now), zone)
    counts = dict(
        session.execute(
            select(Call.direction, func.count())
            .where(Call.agent_id == user_id, Call.created_at >= start, Call.created_at < end)
            .group_by(Call.direction)
        ).all()
    )
    call = session.scalar(
        select(Call)
        .join(AgentSession, AgentSession.current_call_id == Call.id)
        .where(
            AgentSession.user_id == user_id,
            AgentSession.logout_at.is_(None),
            Call.state != CallState.ENDED,
        )
        .limit(1)
    )
    current = _row_of(call) if call is not None else None
    return Summary(
        current=current,
        since=(call.answered_at or call.ringing_at or call.created_at) if call else None,
        inbound_today=counts.get(Direction.INBOUND, 0),
        outbound_today=counts.get(Direction.OUTBOUND, 0),
        is_vip=bool(call and call.is_vip),
    )


def row_json(row: CallRow, zone: ZoneInfo) -> dict[str, Any]:
    """A call row as the API shows it: local hour and date, codes, seconds."""
    local = row.at.astimezone(zone)
    return {
        "call_id": row.call_id,
        "date": local.date().isoformat(),
        "hour": local.strftime("%H:%M:%S"),
        "at": row.at.isoformat(),
        "direction": row.direction,
        "number": row.number,
        "status": row.status,
        "state": row.state,
        "wait_s": row.wait_s,
        "talk_s": row.talk_s,
        "has_xcm": row.has_xcm,
        "agent_name": row.agent_name,
    }


def totals_json(totals: Totals) -> dict[str, Any]:
    """The day's totals as the API shows them."""
    return {
        "date": totals.day.isoformat(),
        "total": totals.total,
        "completed": totals.completed,
        "failed": totals.failed,
        "wait_s": totals.wait_s,
        "talk_s": totals.talk_s,
    }


# ------------------------------------------------------------------- helpers


def _agent_days(
    agent_id: int | None, first: date, last: date, zone: ZoneInfo, tab: Tab
) -> list[ColumnElement[bool]]:
    start, end = day_bounds(first, zone)[0], day_bounds(last, zone)[1]
    where = [Call.created_at >= start, Call.created_at < end]
    if agent_id is not None:
        where.append(Call.agent_id == agent_id)
    if tab != Tab.ALL:
        where.append(Call.direction == tab.value)
    return where


def _totals(session: Session, day: date, where: list[ColumnElement[bool]]) -> Totals:
    completed = [str(s) for s in COMPLETED_STATUSES]
    total, done, failed, wait_s, talk_s = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((Call.status.in_(completed), 1), else_=0)), 0),
            func.coalesce(
                func.sum(
                    case((Call.status.is_not(None) & Call.status.not_in(completed), 1), else_=0)
                ),
                0,
            ),
            func.coalesce(func.sum(Call.wait_s), 0),
            func.coalesce(func.sum(Call.talk_s), 0),
        ).where(*where)
    ).one()
    return Totals(day, int(total), int(done), int(failed), int(wait_s), int(talk_s))


def _rows_query() -> Any:
    has_xcm = exists().where(XcmReport.call_id == Call.id).label("has_xcm")
    return select(
        Call.id,
        Call.created_at,
        Call.direction,
        Call.customer_number,
        Call.status,
        Call.state,
        Call.wait_s,
        Call.talk_s,
        has_xcm,
    )


def _row(found: Any, agent_name: str = "") -> CallRow:
    return CallRow(*found[:9], agent_name=agent_name)


def _row_of(call: Call) -> CallRow:
    return CallRow(
        call.id,
        call.created_at,
        call.direction,
        call.customer_number,
        call.status,
        call.state,
        call.wait_s,
        call.talk_s,
        False,
    )


def _activity_row(item: AgentActivity, now: datetime) -> ActivityRow:
    duration = item.duration_s
    if item.kind == ActivityKind.PAUSE and item.ended_at is None:
        duration = int((now - item.started_at).total_seconds())
    reason = item.pause_reason
    return ActivityRow(
        kind=item.kind,
        started_at=item.started_at,
        ended_at=item.ended_at,
        duration_s=duration,
        reason=reason.name if reason else "",
        reason_vi=(reason.name_vi or reason.name) if reason else "",
        detail=item.detail,
    )
