"""The lead import: an uploaded file becomes a campaign's leads, and every refused row says why.

``create_import`` reads the file's shape and guesses the mapping;
``confirm_mapping`` fixes it; ``run_import`` does the work a chunk at a time,
committing each chunk with its rejections and the counters, so progress is
visible to other processes and a worker killed mid-import leaves nothing half
done. Running it again rebuilds the rejections and ends with the same leads
as one clean run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from dialer.domain.leads.columns import (
    MappingError,
    check_mapping,
    custom_headers,
    guess_mapping,
)
from dialer.domain.leads.progress import Progress, ProgressCallback, progress_of
from dialer.domain.leads.terms import CHUNK_ROWS, FileLimits, UnreadableFile
from dialer.domain.reports import counters
from dialer.models import (
    BlacklistNumber,
    Campaign,
    ImportStatus,
    Lead,
    LeadImport,
    LeadImportRejection,
    utcnow,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from dialer.domain.leads.files import LeadFile
    from dialer.domain.leads.store import Written

# The readers (pandas, numpy) load on the first import run, not with the web app.

# How the error of an import stopped by something other than its file begins: the
# cause is kept for the operator, the manager is told in plain words (``was_interrupted``).
INTERRUPTED = "interrupted: "


def was_interrupted(lead_import: LeadImport) -> bool:
    """Failed for a reason outside its file (a lost connection, a stopped worker): run it again."""
    return lead_import.status == ImportStatus.FAILED and (lead_import.error or "").startswith(
        INTERRUPTED
    )


def create_import(
    session: Session,
    campaign: Campaign,
    stored_path: str | Path,
    file_name: str,
    *,
    created_by_id: int | None = None,
    limits: FileLimits | None = None,
) -> LeadImport:
    """Register an upload with what was detected and a guessed mapping, or raise UnreadableFile."""
    from dialer.domain.leads.files import open_lead_file

    path = Path(stored_path)
    with open_lead_file(path, limits) as lead_file:
        detected, headers = lead_file.detected, lead_file.headers
    lead_import = LeadImport(
        campaign_id=campaign.id,
        file_name=file_name[:255],
        stored_path=str(path),
        file_sha256=file_digest(path),
        status=ImportStatus.UPLOADED,
        encoding=detected.encoding,
        delimiter=detected.delimiter,
        sheet=detected.sheet,
        mapping=guess_mapping(headers),
        created_by_id=created_by_id,
    )
    session.add(lead_import)
    session.flush()
    return lead_import


def preview(
    lead_import: LeadImport, rows: int = 5, limits: FileLimits | None = None
) -> pd.DataFrame:
    """The first rows of the file, as the mapping step shows them."""
    import pandas as pd

    from dialer.domain.leads.files import open_lead_file

    with open_lead_file(lead_import.stored_path, limits) as lead_file:
        for chunk in lead_file.chunks(rows):
            return chunk.frame.head(rows)
        return pd.DataFrame(columns=lead_file.headers)


def confirm_mapping(
    session: Session,
    lead_import: LeadImport,
    mapping: Mapping[str, str],
    limits: FileLimits | None = None,
) -> None:
    """Fix the mapping and queue the import; MappingError when it cannot be used."""
    from dialer.domain.leads.files import open_lead_file

    if lead_import.status not in (ImportStatus.UPLOADED, ImportStatus.QUEUED):
        raise MappingError("already_started")
    with open_lead_file(lead_import.stored_path, limits) as lead_file:
        lead_import.mapping = check_mapping(lead_file.headers, mapping)
    # Kept beside the mapping: PostgreSQL's JSONB does not keep the keys' order.
    lead_import.custom_order = custom_headers(lead_import.mapping)
    lead_import.status = ImportStatus.QUEUED
    session.flush()


def earlier_import_of_same_file(session: Session, lead_import: LeadImport) -> LeadImport | None:
    """A finished import of the same bytes into the same campaign, if any (the page warns)."""
    return session.scalar(
        select(LeadImport)
        .where(
            LeadImport.campaign_id == lead_import.campaign_id,
            LeadImport.file_sha256 == lead_import.file_sha256,
            LeadImport.id != lead_import.id,
            LeadImport.status == ImportStatus.DONE,
        )
        .order_by(LeadImport.id)
        .limit(1)
    )


def run_import(
    session: Session,
    import_id: int,
    *,
    region: str = "VN",
    limits: FileLimits | None = None,
    on_progress: ProgressCallback | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> LeadImport:
    """Import the file into its campaign, committing chunk by chunk; safe to run again.

    A file that turns out unreadable marks the import FAILED with the reason
    and leaves no lead of it behind. Any other error marks it FAILED and is raised.
    """
    from dialer.domain.leads.store import campaign_lock

    lead_import = session.get(LeadImport, import_id)
    if lead_import is None:
        raise LookupError(f"no lead import {import_id}")
    session.commit()
    with campaign_lock(engine_of(session), lead_import.campaign_id):
        # A second delivery of the job waits here for the first, then finds it done.
        session.refresh(lead_import)
        if lead_import.status == ImportStatus.DONE:
            return lead_import
        return _run_locked(session, lead_import, region, limits, on_progress, chunk_rows)


def _run_locked(
    session: Session,
    lead_import: LeadImport,
    region: str,
    limits: FileLimits | None,
    on_progress: ProgressCallback | None,
    chunk_rows: int,
) -> LeadImport:
    report = on_progress or (lambda progress: None)
    from dialer.domain.leads.files import open_lead_file

    _begin(session, lead_import)
    try:
        with open_lead_file(lead_import.stored_path, limits) as lead_file:
            mapping = check_mapping(lead_file.headers, lead_import.mapping)
            lead_import.custom_order = custom_headers(mapping)
            _import_chunks(session, lead_import, lead_file, mapping, region, report, chunk_rows)
    except (UnreadableFile, MappingError) as error:
        session.rollback()
        _fail(session, lead_import, str(error), discard=True)
        report(progress_of(lead_import, 1.0))
        return lead_import
    except BaseException as error:
        session.rollback()
        _fail(session, lead_import, f"{INTERRUPTED}{type(error).__name__}: {error}", discard=False)
        raise
    session.refresh(lead_import)
    lead_import.status = ImportStatus.DONE
    lead_import.finished_at = utcnow()
    session.commit()
    report(progress_of(lead_import, 1.0))
    return lead_import


def _import_chunks(
    session: Session,
    lead_import: LeadImport,
    lead_file: LeadFile,
    mapping: dict[str, str],
    region: str,
    report: ProgressCallback,
    chunk_rows: int,
) -> None:
    """Read and prepare here; the writers store each chunk in its own transaction."""
    from dialer.domain.leads.rows import SeenNumbers, prepare_chunk
    from dialer.domain.leads.store import CampaignLeads, ChunkWriter

    blacklist = blacklist_keys(session)
    existing = CampaignLeads.load(session.connection(), lead_import.campaign_id)
    # The writers' connections must not wait on a transaction held here.
    session.commit()
    totals = Progress(lead_import.id, ImportStatus.RUNNING, 0, 0, 0, 0.0)

    def written(done: Written, fraction: float) -> None:
        nonlocal totals
        totals = Progress(
            lead_import.id,
            ImportStatus.RUNNING,
            totals.rows_read + done.rows_read,
            totals.imported + done.imported,
            totals.rejected + done.rejected,
            max(fraction, totals.fraction),
        )
        report(totals)

    assert lead_import.started_at is not None  # set by _begin
    writer = ChunkWriter(
        engine_of(session),
        lead_import.campaign_id,
        lead_import.id,
        existing,
        written,
        created_at=lead_import.started_at,
    )
    seen = SeenNumbers()
    try:
        for chunk in lead_file.chunks(chunk_rows):
            prepared = prepare_chunk(chunk, mapping, region=region, blacklist=blacklist, seen=seen)
            writer.put(prepared, chunk.fraction)
    except BaseException:
        writer.abandon()
        raise
    writer.close()


def engine_of(session: Session) -> Engine:
    """The engine behind the session (the writers open their own connections on it)."""
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def blacklist_keys(session: Session) -> np.ndarray:
    """Every blacklisted number as a sorted int64 array (the same keys lead rows get)."""
    import numpy as np
    import pandas as pd

    from dialer.domain.leads.rows import phone_keys

    phones = session.scalars(select(BlacklistNumber.phone)).all()
    if not phones:
        return np.zeros(0, dtype=np.int64)
    return np.sort(phone_keys(pd.Series(phones, dtype="str")))


def _begin(session: Session, lead_import: LeadImport) -> None:
    """Start (or start again): earlier rejections of this import are rebuilt, not kept."""
    session.execute(
        delete(LeadImportRejection).where(LeadImportRejection.import_id == lead_import.id)
    )
    lead_import.status = ImportStatus.RUNNING
    lead_import.rows_read = lead_import.imported = lead_import.rejected = 0
    lead_import.error = None
    lead_import.started_at = utcnow()
    lead_import.finished_at = None
    session.commit()


def _fail(session: Session, lead_import: LeadImport, message: str, *, discard: bool) -> None:
    if discard:
        counters.add(session, counters.leads_removed_in_bulk(session, lead_import.id))
        session.execute(delete(Lead).where(Lead.import_id == lead_import.id))
        session.execute(
            delete(LeadImportRejection).where(LeadImportRejection.import_id == lead_import.id)
        )
        lead_import.rows_read = lead_import.imported = lead_import.rejected = 0
    lead_import.status = ImportStatus.FAILED
    lead_import.error = message[:2000]
    lead_import.finished_at = utcnow()
    session.commit()


def file_digest(path: Path) -> str:
    """SHA-256 of the file, to recognise the same file uploaded twice."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
