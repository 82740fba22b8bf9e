"""What every lead-file reader shares: the limits, what was detected, chunks of rows, refusals.

The CSV reader (``files``) and the workbook reader (``xlsx``) both build on this module and
never on each other.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time

import numpy as np
import pandas as pd

from dialer.domain.leads.terms import CHUNK_ROWS, Detected, FileLimits, UnreadableFile

__all__ = [
    "CHUNK_ROWS",
    "Chunk",
    "Detected",
    "FileLimits",
    "LeadFile",
    "MalformedRow",
    "UnreadableFile",
]

RAW_LIMIT = 500  # characters of a malformed row kept for the report


@dataclass(frozen=True)
class MalformedRow:
    """A row that does not fit the header: where, what it held, and why.

    ``detail`` is a stable code the report turns into words: ``fields:FOUND:EXPECTED``,
    ``unsplittable:LAST_LINE`` (a stray quote swallowed the lines up to LAST_LINE) or ``nul``.
    """

    line: int
    raw: str
    detail: str


@dataclass
class Chunk:
    """Up to CHUNK_ROWS rows: strings by header name, their line numbers, the misfits among them."""

    frame: pd.DataFrame
    lines: np.ndarray
    malformed: list[MalformedRow] = field(default_factory=list)
    fraction: float = 0.0  # how much of the file has been read, 0..1


class LeadFile:
    """An open lead file: what was detected, its header, and its rows in chunks."""

    detected: Detected
    headers: list[str]

    def chunks(self, rows: int = CHUNK_ROWS) -> Iterator[Chunk]:
        """Every data row once, in file order, in chunks of at most ``rows``."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the file."""

    def __enter__(self) -> LeadFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text the user saw (912345678.0 is 912345678)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return nfc(str(value))


def nfc(text: str) -> str:
    """``text`` in NFC: tone marks typed as combining characters become one letter."""
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def unique_headers(cells: Iterable[str]) -> list[str]:
    """Header names, stripped, blanks named by position and repeats numbered."""
    names: list[str] = []
    seen: set[str] = set()
    for position, cell in enumerate(cells, start=1):
        name = nfc(cell).strip() or f"column {position}"
        candidate, n = name, 2
        while candidate.casefold() in seen:
            candidate, n = f"{name} ({n})", n + 1
        seen.add(candidate.casefold())
        names.append(candidate)
    return names


def build_chunk(
    headers: list[str],
    records: list[list[str]],
    lines: np.ndarray,
    joiner: str,
    fraction: float,
    malformed: list[MalformedRow] | None = None,
) -> Chunk:
    """Check records against the header width: keep fits, skip blanks, report misfits."""
    width = len(headers)
    malformed = list(malformed or [])
    lengths = np.fromiter(map(len, records), dtype=np.int64, count=len(records))
    if not (lengths == width).all():
        for index in np.flatnonzero(lengths != width).tolist():
            values = records[index]
            if len(values) > width and not "".join(values[width:]).strip():
                records[index] = values = values[:width]
            if not "".join(values).strip():
                continue
            if len(values) != width:
                detail = f"fields:{len(values)}:{width}"
                malformed.append(
                    MalformedRow(int(lines[index]), joiner.join(values)[:RAW_LIMIT], detail)
                )
        fits = np.fromiter(map(len, records), dtype=np.int64, count=len(records)) == width
        records, lines = [records[i] for i in np.flatnonzero(fits).tolist()], lines[fits]
    joined = list(map("".join, records))
    # Spreadsheets export empty rows as ",,,,": not leads, not worth a rejection each.
    keep = np.fromiter(map(len, joined), dtype=np.int64, count=len(records)) > 0
    suspects = np.flatnonzero(keep).tolist() if "\x00" in "".join(joined) else []
    for index in suspects:
        if "\x00" in joined[index]:
            keep[index] = False
            raw = joiner.join(records[index]).replace("\x00", "\\0")
            malformed.append(MalformedRow(int(lines[index]), raw[:RAW_LIMIT], "nul"))
    if not keep.all():
        records, lines = [records[i] for i in np.flatnonzero(keep).tolist()], lines[keep]
    if records:
        frame = pd.DataFrame(records, columns=headers, dtype="str")
    else:
        frame = pd.DataFrame({h: pd.Series([], dtype="str") for h in headers})
    malformed.sort(key=lambda row: row.line)
    return Chunk(frame, np.asarray(lines, dtype=np.int64), malformed, fraction)
