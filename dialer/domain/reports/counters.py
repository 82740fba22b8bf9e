"""A campaign's running totals, changed in the same transaction as the rows they count.

Every lead, call and survey response the session writes adds its share to the
campaign's counters: what the row counted for before the flush is taken away,
what it counts for now is added (:func:`lead_shares`, :func:`call_shares`,
:func:`survey_shares`). The sums wait in the session until it commits and are
written then, in one upsert in key order: a counter row stays locked only
between that write and the commit, and every writer takes the rows in the same
order, so two transactions cannot deadlock on them. Statements that bypass the
unit of work (the Get Lead claim, the bulk import, an import's discard) add their
own share with :func:`add` or :func:`apply`. :func:`recount` rebuilds everything
from the rows, for existing data and for peace of mind.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, event, func, inspect, literal_column, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction, scoped_session

from dialer.models import (
    Call,
    CampaignCallHour,
    CampaignCounter,
    Lead,
    LeadStatus,
    SurveyResponse,
)

# Counter names (the campaign_counters.name column).
LEADS = "leads"  # every lead but the removed ones
DIALLED = "leads_dialled"  # of those, called at least once
ATTEMPTS = "lead_attempts"  # their attempts, summed
SURVEYS = "surveys"
WAITING = "waiting"  # new and retry: the claim takes either, and does not say which
LEAD_STATUS = "leads:"  # + waiting, claimed, callback, done, removed
OUTCOME = "calls:"  # + a CallStatus: ended calls by outcome

# A key of the pending sums: ("n", campaign_id, name) or ("h", campaign_id, hour).
Key = tuple[str, int, Any]
_PENDING = "campaign_counter_deltas"


def status_group(status: str) -> str:
    """The counter a lead status is counted under (new and retry share one)."""
    return WAITING if status in (LeadStatus.NEW, LeadStatus.RETRY) else str(status)


def lead_shares(campaign_id: int | None, status: str | None, attempts: int | None) -> Counter:
    """What one lead in this state counts for."""
    shares: Counter = Counter()
    if campaign_id is None or status is None:
        return shares
    shares[("n", campaign_id, LEAD_STATUS + status_group(status))] += 1
    if status != LeadStatus.REMOVED:
        attempts = attempts or 0
        shares[("n", campaign_id, LEADS)] += 1
        shares[("n", campaign_id, DIALLED)] += 1 if attempts > 0 else 0
        shares[("n", campaign_id, ATTEMPTS)] += attempts
    return shares


def call_shares(
    campaign_id: int | None, status: str | None, created_at: datetime | None
) -> Counter:
    """What one call counts for: its hour, and its outcome once it has ended."""
    shares: Counter = Counter()
    if campaign_id is None:
        return shares
    if created_at is not None:
        shares[("h", campaign_id, hour_of(created_at))] += 1
    if status is not None:
        shares[("n", campaign_id, OUTCOME + status)] += 1
    return shares


def survey_shares(campaign_id: int | None) -> Counter:
    """What one saved survey counts for."""
    return Counter() if campaign_id is None else Counter({("n", campaign_id, SURVEYS): 1})


def hour_of(moment: datetime) -> datetime:
    """The UTC hour a moment falls in."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def lead_claimed(campaign_id: int) -> Counter:
    """A waiting lead taken by Get Lead's claim (an UPDATE the session does not track)."""
    return Counter(
        {
            ("n", campaign_id, LEAD_STATUS + WAITING): -1,
            ("n", campaign_id, LEAD_STATUS + str(LeadStatus.CLAIMED)): 1,
        }
    )


def leads_added(campaign_id: int, count: int) -> Counter:
    """New leads stored in bulk (never called)."""
    return Counter(
        {("n", campaign_id, LEADS): count, ("n", campaign_id, LEAD_STATUS + WAITING): count}
    )


def leads_removed_in_bulk(session: Session, import_id: int) -> Counter:
    """What an import's leads count for, taken away: the import is discarded (a bulk DELETE)."""
    shares = _lead_groups(session, select().where(Lead.import_id == import_id))
    return Counter({key: -value for key, value in shares.items()})


def add(session: Session, shares: Mapping[Key, int]) -> None:
    """Add sums the session will write when it commits (dropped if it rolls back)."""
    if any(shares.values()):
        if isinstance(session, scoped_session):  # the request's session, as the edge passes it
            session = session()
        pending = session.info.setdefault(_PENDING, [])
        pending.append((_current_transaction(session), Counter(shares)))


def apply(connection: Connection, shares: Mapping[Key, int]) -> None:
    """Write sums now, in the connection's transaction, in key order."""
    named = sorted((k[1], k[2], v) for k, v in shares.items() if k[0] == "n" and v)
    hours = sorted((k[1], k[2], v) for k, v in shares.items() if k[0] == "h" and v)
    if named:
        rows = [{"campaign_id": c, "name": n, "value": v} for c, n, v in named]
        connection.execute(_upsert(connection, CampaignCounter, ["name"], "value", rows))
    if hours:
        rows = [{"campaign_id": c, "hour": h, "calls": v} for c, h, v in hours]
        connection.execute(_upsert(connection, CampaignCallHour, ["hour"], "calls", rows))


def counters(session: Session, campaign_id: int) -> dict[str, int]:
    """The campaign's named totals as this transaction sees them (absent: never counted)."""
    rows = session.execute(
        select(CampaignCounter.name, CampaignCounter.value).where(
            CampaignCounter.campaign_id == campaign_id
        )
    ).all()  # (the query flushed the session: its sums are all pending now)
    totals = {name: int(value) for name, value in rows}
    for (kind, campaign, name), value in _pending(session).items():
        if kind == "n" and campaign == campaign_id:
            totals[name] = totals.get(name, 0) + value
    return totals


def hourly_calls(
    session: Session, campaign_id: int, start: datetime, end: datetime
) -> dict[datetime, int]:
    """Calls placed per UTC hour from ``start`` to ``end`` (hours with none are absent)."""
    rows = session.execute(
        select(CampaignCallHour.hour, CampaignCallHour.calls).where(
            CampaignCallHour.campaign_id == campaign_id,
            CampaignCallHour.hour >= start,
            CampaignCallHour.hour < end,
        )
    )
    found = {hour_of(hour): int(calls) for hour, calls in rows}
    for (kind, campaign, hour), value in _pending(session).items():
        if kind == "h" and campaign == campaign_id and start <= hour < end:
            found[hour] = found.get(hour, 0) + value
    return found


def recount(session: Session, campaign_ids: Iterable[int] | None = None) -> int:
    """Rebuild the counters of these campaigns (all when None) from their rows; how many rows.

    On PostgreSQL the counter tables are locked first: a transaction that changes
    leads meanwhile writes its sums after ours, on top of a count that did not see it.
    """
    ids = None if campaign_ids is None else sorted(set(campaign_ids))
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE campaign_counters, campaign_call_hours IN EXCLUSIVE MODE"))
    for table in (CampaignCounter, CampaignCallHour):
        wipe = delete(table)
        if ids is not None:
            wipe = wipe.where(table.campaign_id.in_(ids))
        session.execute(wipe.execution_options(synchronize_session=False))
    shares = _lead_groups(session, _only(select(), Lead.campaign_id, ids))
    outcomes = select(Call.campaign_id, Call.status, func.count()).where(Call.status.is_not(None))
    for campaign_id, status, count in session.execute(
        _only(outcomes.group_by(Call.campaign_id, Call.status), Call.campaign_id, ids)
    ):
        if campaign_id is not None:
            shares[("n", campaign_id, OUTCOME + status)] += int(count)
    surveys = select(SurveyResponse.campaign_id, func.count()).group_by(SurveyResponse.campaign_id)
    for campaign_id, count in session.execute(_only(surveys, SurveyResponse.campaign_id, ids)):
        if campaign_id is not None:
            shares[("n", campaign_id, SURVEYS)] += int(count)
    shares.update(_hours(session, ids))
    apply(session.connection(), shares)
    return sum(1 for value in shares.values() if value)


def install() -> None:
    """Keep the counters from every session (once per process)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_soft_rollback", _after_soft_rollback)


# ------------------------------------------------------------------ the session's sums


def _after_flush(session: Session, _context: Any) -> None:
    shares: Counter = Counter()
    for obj in session.new:
        shares.update(_shares_of(obj, before=False))
    for obj in session.dirty:
        if type(obj) in _TRACKED and session.is_modified(obj):
            shares.update(_shares_of(obj, before=False))
            shares.subtract(_shares_of(obj, before=True))
    for obj in session.deleted:
        shares.subtract(_shares_of(obj, before=True))
    add(session, shares)


def _before_commit(session: Session) -> None:
    session.flush()  # the last changes' sums, before they are written
    total = _pending(session)
    session.info.pop(_PENDING, None)
    if total:
        apply(session.connection(), total)


def _after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
    pending = session.info.get(_PENDING)
    if pending:
        pending[:] = [(t, s) for t, s in pending if not _is_within(t, previous)]


def _pending(session: Session) -> Counter:
    """The sums this session has not written yet (it has not committed)."""
    if isinstance(session, scoped_session):
        session = session()
    total: Counter = Counter()
    for _transaction, shares in session.info.get(_PENDING, ()):
        total.update(shares)
    return total


def _current_transaction(session: Session) -> SessionTransaction | None:
    return session.get_nested_transaction() or session.get_transaction()


def _is_within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


_TRACKED: dict[type, tuple[str, ...]] = {
    Lead: ("campaign_id", "status", "attempts"),
    Call: ("campaign_id", "status", "created_at"),
    SurveyResponse: ("campaign_id",),
}
_SHARES = {Lead: lead_shares, Call: call_shares, SurveyResponse: survey_shares}


def _shares_of(obj: Any, *, before: bool) -> Counter:
    names = _TRACKED.get(type(obj))
    if names is None:
        return Counter()
    state = inspect(obj)
    values = [_value(obj, state, name, before) for name in names]
    return _SHARES[type(obj)](*values)


def _value(obj: Any, state: Any, name: str, before: bool) -> Any:
    if not before:
        return getattr(obj, name)
    history = state.attrs[name].history
    if history.deleted:
        return history.deleted[0]
    if history.added:  # set where nothing was loaded: the columns load it (active_history)
        return None
    return history.unchanged[0] if history.unchanged else getattr(obj, name)


# ----------------------------------------------------------------------- SQL


def _upsert(
    connection: Connection, model: Any, key: list[str], column: str, rows: list[dict]
) -> Any:
    table = model.__table__
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(rows)
    return statement.on_conflict_do_update(
        index_elements=["campaign_id", *key],
        set_={column: table.c[column] + statement.excluded[column]},
    )


def _only(query: Any, column: Any, ids: list[int] | None) -> Any:
    return query if ids is None else query.where(column.in_(ids))


def _lead_groups(session: Session, where: Any) -> Counter:
    """What the leads matching ``where`` (a WHERE-only select) count for, in one grouped pass."""
    dialled = Lead.attempts > 0
    query = select(
        Lead.campaign_id,
        Lead.status,
        dialled,
        func.count(),
        func.coalesce(func.sum(Lead.attempts), 0),
    ).group_by(Lead.campaign_id, Lead.status, dialled)
    if where.whereclause is not None:
        query = query.where(where.whereclause)
    shares: Counter = Counter()
    for campaign_id, status, is_dialled, count, attempts in session.execute(query):
        for key, value in lead_shares(campaign_id, status, 1 if is_dialled else 0).items():
            shares[key] += int(attempts) if key[2] == ATTEMPTS else value * int(count)
    return shares


def _hours(session: Session, ids: list[int] | None) -> Counter:
    if session.get_bind().dialect.name == "postgresql":
        hour = literal_column("date_trunc('hour', calls.created_at AT TIME ZONE 'UTC')")
    else:
        hour = func.strftime("%Y-%m-%d %H:00:00", Call.created_at)
    query = select(Call.campaign_id, hour, func.count()).where(Call.campaign_id.is_not(None))
    shares: Counter = Counter()
    for campaign_id, start, count in session.execute(
        _only(query.group_by(Call.campaign_id, hour), Call.campaign_id, ids)
    ):
        when = datetime.fromisoformat(start) if isinstance(start, str) else start
        shares[("h", campaign_id, when.replace(tzinfo=UTC))] += int(count)
    return shares
