"""How far a lead import has come, and when a manager may run it again."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dialer.models import ImportStatus, LeadImport

FINISHED = (ImportStatus.DONE, ImportStatus.FAILED)


@dataclass(frozen=True)
class Progress:
    """How far an import has come: rows read, imported and rejected, and the file fraction."""

    import_id: int
    status: str
    rows_read: int
    imported: int
    rejected: int
    fraction: float

    @property
    def percent(self) -> int:
        """0-100 for a progress bar: 100 only once the import is finished."""
        if self.status in FINISHED:
            return 100
        return min(int(self.fraction * 100), 99)

    def as_dict(self) -> dict[str, Any]:
        """The values the live page and the published progress carry."""
        return {
            "status": self.status,
            "rows_read": self.rows_read,
            "imported": self.imported,
            "rejected": self.rejected,
            "percent": self.percent,
        }


ProgressCallback = Callable[[Progress], None]


def progress_of(lead_import: LeadImport, fraction: float = 0.0) -> Progress:
    """The import's progress as the live page and the terminal show it."""
    return Progress(
        import_id=lead_import.id,
        status=lead_import.status,
        rows_read=lead_import.rows_read,
        imported=lead_import.imported,
        rejected=lead_import.rejected,
        fraction=fraction,
    )


def can_retry(lead_import: LeadImport, *, job_active: bool) -> bool:
    """Failed, or left queued or running by a worker that died (its job is no longer active)."""
    if lead_import.status == ImportStatus.FAILED:
        return True
    return lead_import.status in (ImportStatus.QUEUED, ImportStatus.RUNNING) and not job_active


def retry_import(lead_import: LeadImport, *, job_active: bool) -> bool:
    """Queue the import again when it may be retried; True when the caller must enqueue it."""
    if not can_retry(lead_import, job_active=job_active):
        return False
    lead_import.status = ImportStatus.QUEUED
    return True


def page_progress(
    lead_import: LeadImport, published: Mapping[str, Any] | None, *, job_active: bool
) -> dict[str, Any]:
    """What the progress bar shows: the stored figures once finished, else the latest published.

    ``stalled`` says the import stopped without finishing and may be retried.
    """
    stored = progress_of(lead_import).as_dict()
    if lead_import.status in FINISHED:
        return {**stored, "stalled": False}
    if published is None or published["status"] in FINISHED:
        published = stored
    return {**published, "stalled": can_retry(lead_import, job_active=job_active)}
