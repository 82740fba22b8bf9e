"""Storing prepared lead rows in bulk: PostgreSQL COPY, SQLite one executemany per chunk.

Each chunk is one transaction on a writer connection of its own: its new
leads, its rejections and the import's counters commit together, so progress
is visible to other processes and a killed worker leaves whole chunks only.
On PostgreSQL two writer threads run beside the reader: the server's work
overlaps the parsing of the next chunk, and COPY into an indexed table with
foreign keys is bound by the server's CPU, one core per backend. SQLite is
written inline: its driver drops and retakes the GIL around every row, so a
writer thread beside a busy reader would slow both down.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, text

from dialer.domain.leads.bulk import copy_leads, insert_leads_sqlite, insert_rejections
from dialer.domain.leads.rows import REJECTION_COLUMNS, PreparedChunk, Reason, phone_keys
from dialer.domain.reports import counters

# Two-key advisory lock space for "an import is writing leads into campaign N".
_LOCK_CLASS = 8004
_POSTGRES_WRITERS = 2
_COUNT = text(
    "UPDATE lead_imports SET rows_read = rows_read + :read, imported = imported + :imported, "
    "rejected = rejected + :rejected WHERE id = :id"
)


@dataclass(frozen=True)
class Written:
    """What one chunk added: rows read, leads imported (now or by an earlier run), refusals."""

    rows_read: int
    imported: int
    rejected: int


class CampaignLeads:
    """The numbers a campaign already has, with the import and line each came from."""

    def __init__(self, keys: np.ndarray, import_ids: np.ndarray, lines: np.ndarray) -> None:
        order = np.argsort(keys)
        self.keys, self.import_ids, self.lines = keys[order], import_ids[order], lines[order]

    @classmethod
    def load(cls, connection: Connection, campaign_id: int) -> CampaignLeads:
        """Read the campaign's numbers once (the campaign lock keeps them from changing)."""
        rows = connection.execute(
            text("SELECT phone, import_id, line_no FROM leads WHERE campaign_id = :c"),
            {"c": campaign_id},
        ).all()
        frame = pd.DataFrame(rows, columns=["phone", "import_id", "line_no"])
        return cls(
            phone_keys(frame["phone"].astype("str")),
            frame["import_id"].fillna(-1).to_numpy(dtype=np.int64),
            frame["line_no"].fillna(-1).to_numpy(dtype=np.int64),
        )

    def split(self, keys: np.ndarray, lines: np.ndarray, import_id: int) -> tuple[np.ndarray, ...]:
        """Rows this very import stored earlier (same line), and rows another lead already has."""
        if not len(self.keys):
            none = np.zeros(len(keys), dtype=bool)
            return none, none
        at = np.searchsorted(self.keys, keys).clip(max=len(self.keys) - 1)
        found = self.keys[at] == keys
        ours = found & (self.import_ids[at] == import_id) & (self.lines[at] == lines)
        return ours, found & ~ours


@contextmanager
def campaign_lock(engine: Engine, campaign_id: int) -> Iterator[None]:
    """Hold off other imports into this campaign (PostgreSQL) for as long as ours runs."""
    if engine.dialect.name != "postgresql":
        # SQLite serialises writers itself; a number another import stores first is
        # caught by ON CONFLICT and reported as already in the campaign.
        yield
        return
    with engine.connect() as connection:
        connection.execute(
            text("SELECT pg_advisory_lock(:a, :b)"), {"a": _LOCK_CLASS, "b": campaign_id}
        )
        connection.commit()
        try:
            yield
        finally:
            connection.execute(
                text("SELECT pg_advisory_unlock(:a, :b)"), {"a": _LOCK_CLASS, "b": campaign_id}
            )
            connection.commit()


class ChunkWriter:
    """Stores prepared chunks, each in its own transaction (on writer threads for PostgreSQL)."""

    def __init__(
        self,
        engine: Engine,
        campaign_id: int,
        import_id: int,
        existing: CampaignLeads,
        on_written: Callable[[Written, float], None],
        created_at: datetime,
    ) -> None:
        self.engine = engine
        self.campaign_id = campaign_id
        self.import_id = import_id
        self.existing = existing
        self.on_written = on_written
        self.created_at = created_at  # when the import began: every lead of it is that old
        self.postgres = engine.dialect.name == "postgresql"
        writers = _POSTGRES_WRITERS if self.postgres else 0
        self._inline = engine.connect() if writers == 0 else None
        self._queue: queue.Queue[tuple[PreparedChunk, float] | None] = queue.Queue(1)
        self._report = threading.Lock()
        self._errors: list[BaseException] = []
        self._ids: Connection | None = None
        if self.postgres and writers:
            # Two writers commit in any order; ids taken here, in file order, keep the
            # leads in the order of the file (Get Lead takes the lowest id first).
            self._ids = engine.connect()
            self._sequence = self._ids.execute(
                text("SELECT pg_get_serial_sequence('leads', 'id')")
            ).scalar_one()
            self._ids.commit()
        self._threads = [
            threading.Thread(target=self._run, name=f"lead-writer-{n}", daemon=True)
            for n in range(writers)
        ]
        for thread in self._threads:
            thread.start()

    def put(self, chunk: PreparedChunk, fraction: float) -> None:
        """Hand a chunk to the writers (waits while they are busy); raises a writer's error."""
        if self._inline is not None:
            self._commit_chunk(self._inline, chunk, fraction)
            return
        if self._ids is not None and len(chunk.leads):
            chunk.ids = np.asarray(
                self._ids.execute(
                    text("SELECT nextval(CAST(:seq AS regclass)) FROM generate_series(1, :n)"),
                    {"seq": self._sequence, "n": len(chunk.leads)},
                )
                .scalars()
                .all(),
                dtype=np.int64,
            )
            self._ids.commit()
        while True:
            self._raise_first_error()
            try:
                self._queue.put((chunk, fraction), timeout=0.5)
                return
            except queue.Full:
                continue

    def close(self) -> None:
        """Wait for every chunk to be written; raise the first writer error."""
        self._stop()
        self._raise_first_error()

    def abandon(self) -> None:
        """Stop the writers after the chunks they already hold (the reader failed)."""
        self._errors.append(RuntimeError("import abandoned"))
        self._drain()
        self._stop()

    def _stop(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()
        for connection in (self._ids, self._inline):
            if connection is not None:
                connection.close()

    def _drain(self) -> None:
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return

    def _raise_first_error(self) -> None:
        if self._errors:
            raise self._errors[0]

    def _run(self) -> None:
        with self.engine.connect() as connection:
            while (item := self._queue.get()) is not None:
                if self._errors:
                    continue
                try:
                    self._commit_chunk(connection, *item)
                except BaseException as error:  # handed to the reader thread, which raises it
                    self._errors.append(error)

    def _commit_chunk(self, connection: Connection, chunk: PreparedChunk, fraction: float) -> None:
        try:
            written = self._write(connection, chunk)
            connection.commit()
            with self._report:
                self.on_written(written, fraction)
        except BaseException:
            connection.rollback()
            raise

    def _write(self, connection: Connection, chunk: PreparedChunk) -> Written:
        if self.postgres:
            # Losing the last chunks to a server crash is safe: the import stays RUNNING
            # and its re-run stores them again; not waiting for each WAL flush is faster.
            connection.execute(text("SET LOCAL synchronous_commit TO OFF"))
        leads = chunk.leads
        lines = leads["line_no"].to_numpy()
        ours, theirs = self.existing.split(chunk.keys, lines, self.import_id)
        new = ~(ours | theirs)
        fresh = leads[new]
        refused = [chunk.rejections, _in_campaign(leads[theirs])]
        if self.postgres:
            ids = chunk.ids[new] if chunk.ids is not None else None
            copy_leads(connection, self.campaign_id, self.import_id, fresh, ids, self.created_at)
        else:
            lost = insert_leads_sqlite(
                connection, self.campaign_id, self.import_id, fresh, self.created_at
            )
            refused.append(_in_campaign(fresh[fresh["line_no"].isin(lost)]))
            fresh = fresh[~fresh["line_no"].isin(lost)]
        rejections = pd.concat(refused, ignore_index=True)
        insert_rejections(connection, self.import_id, rejections, self.postgres)
        written = Written(chunk.rows_read, len(fresh) + int(ours.sum()), len(rejections))
        connection.execute(
            _COUNT,
            {
                "read": written.rows_read,
                "imported": written.imported,
                "rejected": written.rejected,
                "id": self.import_id,
            },
        )
        # The campaign's totals move in the chunk's own transaction (after the import's row,
        # as every writer does: no deadlock between the two writer threads).
        counters.apply(connection, counters.leads_added(self.campaign_id, len(fresh)))
        return written


def _in_campaign(leads: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "line_no": leads["line_no"].to_numpy(),
            "raw_value": leads["phone_raw"].to_numpy(),
            "reason": Reason.ALREADY_IN_CAMPAIGN.value,
            "detail": "",
        },
        columns=REJECTION_COLUMNS,
    )
