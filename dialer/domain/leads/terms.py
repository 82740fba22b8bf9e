"""The lead pipeline's words without its machinery: refusals, limits, what was detected, reasons.

Kept apart from the readers so the web and the jobs' callers can name them
without loading pandas (which only the import itself needs).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from dialer.domain.errors import DomainError

CHUNK_ROWS = 25_000

ENCODING_LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (BOM)",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16 LE",
    "utf-16-be": "UTF-16 BE",
    "cp1258": "Windows-1258",
    "cp1252": "Windows-1252",
}
DELIMITER_LABELS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


class UnreadableFile(DomainError):
    """The file cannot be read as a lead list at all; ``code`` says why, the message says how."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)


@dataclass(frozen=True)
class FileLimits:
    """What a lead file may hold before we refuse to parse it."""

    max_rows: int = 2_000_000
    max_columns: int = 200
    max_xlsx_uncompressed: int = 1_000_000_000
    max_xlsx_ratio: int = 200
    max_xlsx_entries: int = 2_000


@dataclass(frozen=True)
class Detected:
    """What the reader found: kind, encoding, delimiter, sheet."""

    kind: str  # "csv" or "xlsx"
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None

    @property
    def encoding_label(self) -> str:
        """The encoding as people name it ("UTF-8", "Windows-1258"...)."""
        return ENCODING_LABELS.get(self.encoding or "", self.encoding or "-")

    @property
    def delimiter_label(self) -> str:
        """The delimiter as a word ("comma", "tab"...)."""
        return DELIMITER_LABELS.get(self.delimiter or "", self.delimiter or "-")


class Reason(enum.StrEnum):
    """Why a row of a lead file was not imported; stored in rejection rows."""

    MISSING_PHONE = "missing_phone"
    NOT_A_PHONE = "not_a_phone"
    INVALID_NUMBER = "invalid_number"
    MALFORMED_ROW = "malformed_row"
    BLACKLISTED = "blacklisted"
    DUPLICATE_IN_FILE = "duplicate_in_file"
    ALREADY_IN_CAMPAIGN = "already_in_campaign"
