"""Keyset pages: newest first, a cursor per page edge, as fast on page 500 as on page 1."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, bindparam, tuple_

from dialer.domain.reports.filters import BAD_CURSOR, ReportError
from dialer.models.base import UTCDateTime

T = TypeVar("T")
PAGE_SIZE = 50
_MAX_ID = 2**31 - 1  # the ids a database row can have (32-bit on PostgreSQL)


@dataclass(frozen=True)
class Cursor:
    """A row's place in a newest-first order: its time and id."""

    at: datetime
    id: int

    def __str__(self) -> str:
        return f"{int(self.at.timestamp() * 1_000_000)}-{self.id}"

    @classmethod
    def parse(cls, text: str | None) -> Cursor | None:
        """The cursor a page link carries; ReportError when it was tampered with."""
        if not text:
            return None
        micros, _, row_id = text.partition("-")
        if not (micros.isdigit() and row_id.isdigit()) or int(row_id) > _MAX_ID:
            raise ReportError(BAD_CURSOR, value=text)
        try:
            return cls(datetime.fromtimestamp(int(micros) / 1_000_000, UTC), int(row_id))
        except (OverflowError, OSError, ValueError):  # past the years a datetime can hold
            raise ReportError(BAD_CURSOR, value=text) from None


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows with the cursors to the older and the newer page."""

    rows: list[T]
    older: Cursor | None  # None on the last page
    newer: Cursor | None  # None on the first page


def keyset(at: Any, row_id: Any, after: Cursor | None, before: Cursor | None) -> list[Any]:
    """The WHERE clauses for rows older than ``after`` or newer than ``before``."""
    clauses: list[ColumnElement[bool]] = []
    if after is not None:
        clauses.append(tuple_(at, row_id) < tuple_(_when(after.at), after.id))
    if before is not None:
        clauses.append(tuple_(at, row_id) > tuple_(_when(before.at), before.id))
    return clauses


def order(at: Any, row_id: Any, before: Cursor | None) -> list[Any]:
    """Newest first; oldest first when walking back towards newer rows."""
    return [at.asc(), row_id.asc()] if before is not None else [at.desc(), row_id.desc()]


def cut(
    rows: list[T], size: int, after: Cursor | None, before: Cursor | None, edge: Any
) -> Page[T]:
    """A page from ``size + 1`` rows fetched; ``edge(row)`` gives a row's cursor."""
    more = len(rows) > size
    rows = rows[:size]
    if before is not None:
        rows.reverse()
        return Page(rows, edge(rows[-1]) if rows else None, edge(rows[0]) if more else None)
    older = edge(rows[-1]) if more and rows else None
    newer = edge(rows[0]) if after is not None and rows else None
    return Page(rows, older, newer)


def _when(value: datetime) -> Any:
    return bindparam(None, value, type_=UTCDateTime())
