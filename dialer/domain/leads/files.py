"""Lead files as people really have them, read into chunks of string DataFrames.

CSV in UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text"),
Windows-1258 or Windows-1252, with any of ``,`` ``;`` tab ``|`` as delimiter,
and ``.xlsx`` workbooks. Everything is detected, nothing is type-inferred (a
``0912...`` keeps its zero), text comes out in NFC, and every row carries the
line number the user sees in an editor (the header is line 1; a quoted field
spanning lines counts every line). Rows that do not fit the header are
reported, not fatal. A file that cannot be read at all raises one
:class:`UnreadableFile`.
"""

from __future__ import annotations

import csv
import functools
import gc
import io
import itertools
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import numpy as np

from dialer.domain.leads.encodings import BLOCK_BYTES, decoded_sample, detect_encoding
from dialer.domain.leads.leadfile import (
    CHUNK_ROWS,
    RAW_LIMIT,
    Chunk,
    Detected,
    FileLimits,
    LeadFile,
    MalformedRow,
    UnreadableFile,
    build_chunk,
    unique_headers,
)
from dialer.domain.leads.xlsx import open_xlsx

DELIMITERS = (",", ";", "\t", "|")


def open_lead_file(path: str | Path, limits: FileLimits | None = None) -> LeadFile:
    """Open ``path`` as a lead file, detecting its kind; raise UnreadableFile when it is not one."""
    limits = limits or FileLimits()
    path = Path(path)
    with path.open("rb") as handle:
        head = handle.read(8)
    if not head:
        raise UnreadableFile("empty", "The file is empty.")
    if head.startswith(b"PK\x03\x04"):
        return open_xlsx(path, limits)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile(
            "xls", "Excel 97-2003 (.xls) files are not supported: save it as .xlsx or CSV."
        )
    return _CsvFile(path, limits)


# ------------------------------------------------------------------------ CSV


class _CsvFile(LeadFile):
    def __init__(self, path: Path, limits: FileLimits) -> None:
        self.path = path
        self.limits = limits
        self.size = path.stat().st_size
        encoding = detect_encoding(path)
        sample = decoded_sample(path, encoding)
        if not sample.strip():
            raise UnreadableFile("empty", "The file is empty.")
        skip, delimiter = _sep_hint(sample)
        if delimiter is None:
            delimiter = detect_delimiter(_drop_lines(sample, skip))
        self.detected = Detected("csv", encoding=encoding, delimiter=delimiter)
        # Refused before any row is imported: a record is never shorter than a line.
        if _line_breaks_in(path) > limits.max_rows + skip + 1:
            raise UnreadableFile("too_many_rows", f"The file has more than {limits.max_rows} rows.")
        self._binary: IO[bytes] | None = None
        self._text: io.TextIOWrapper | None = None
        # Physical lines before the current reader's first line.
        self._base = skip
        self._reader = self._open_reader(skip)
        try:
            header = next(self._reader)
        except StopIteration:
            raise UnreadableFile("empty", "The file is empty.") from None
        except csv.Error as error:
            raise UnreadableFile("bad_header", f"The header line cannot be read: {error}") from None
        if len(header) > limits.max_columns:
            raise UnreadableFile(
                "too_many_columns",
                f"The file has {len(header)} columns; at most {limits.max_columns} are allowed.",
            )
        self.headers = unique_headers(header)
        self.header_line = skip + 1

    def _open_reader(self, skip_lines: int):
        self.close()
        self._binary = self.path.open("rb")
        self._text = io.TextIOWrapper(self._binary, encoding=self.detected.encoding, newline="")
        lines = map(_NFC, self._text)
        if skip_lines:
            next(itertools.islice(lines, skip_lines, skip_lines), None)
        return csv.reader(lines, delimiter=self.detected.delimiter or ",")

    def chunks(self, rows: int = CHUNK_ROWS) -> Iterator[Chunk]:
        """Every data row once, in file order, in chunks of at most ``rows``."""
        while True:
            start = self._reader.line_num
            try:
                with _gc_paused():
                    records = list(itertools.islice(self._reader, rows))
            except csv.Error:
                # Rare (a stray quote, a NUL): read this stretch again record by record.
                yield self._careful_chunk(start, rows)
                continue
            except UnicodeDecodeError as error:
                raise UnreadableFile(
                    "unknown_encoding", f"The file is not valid {self.detected.encoding}: {error}"
                ) from None
            if not records:
                return
            lines = self._record_lines(records, start, self._reader.line_num)
            yield build_chunk(self.headers, records, lines, self._joiner, self._fraction())

    @property
    def _joiner(self) -> str:
        return self.detected.delimiter or ","

    def _record_lines(self, records: list[list[str]], start: int, end: int) -> np.ndarray:
        first = self._base + start + 1
        if end - start == len(records):
            return np.arange(first, first + len(records), dtype=np.int64)
        # Some quoted fields span lines: each record takes one line plus its inner line breaks.
        spans = np.fromiter(
            (1 + sum(_line_breaks(value) for value in record) for record in records),
            dtype=np.int64,
            count=len(records),
        )
        return first + np.concatenate(([0], np.cumsum(spans)[:-1]))

    def _careful_chunk(self, start: int, rows: int) -> Chunk:
        self._base += start
        self._reader = reader = self._open_reader(self._base)
        records: list[list[str]] = []
        lines: list[int] = []
        malformed: list[MalformedRow] = []
        previous = 0
        while len(records) + len(malformed) < rows:
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                line = self._base + previous + 1
                last = self._base + reader.line_num
                malformed.append(MalformedRow(line, str(error)[:RAW_LIMIT], f"unsplittable:{last}"))
                previous = reader.line_num
                continue
            records.append(record)
            lines.append(self._base + previous + 1)
            previous = reader.line_num
        return build_chunk(
            self.headers,
            records,
            np.asarray(lines, dtype=np.int64),
            self._joiner,
            self._fraction(),
            malformed,
        )

    def _fraction(self) -> float:
        if self._binary is None or not self.size:
            return 1.0
        return min(self._binary.tell() / self.size, 1.0)

    def close(self) -> None:
        if self._text is not None:
            self._text.close()
            self._text = None


def _line_breaks_in(path: Path) -> int:
    count = 0
    with path.open("rb") as handle:
        while block := handle.read(BLOCK_BYTES):
            count += block.count(b"\n")
    return count


_NFC = functools.partial(unicodedata.normalize, "NFC")


def _line_breaks(value: str) -> int:
    return value.count("\n") + value.count("\r") - value.count("\r\n")


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Building 50,000 lists of strings makes no cycles; collecting during it only costs time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _sep_hint(sample: str) -> tuple[int, str | None]:
    """Excel's ``sep=;`` first line names the delimiter and is not the header."""
    match = re.match(r"sep=(.)\r?\n", sample)
    if match and match.group(1) in DELIMITERS:
        return 1, match.group(1)
    return 0, None


def _drop_lines(text: str, count: int) -> str:
    for _ in range(count):
        text = text.split("\n", 1)[1] if "\n" in text else ""
    return text


def detect_delimiter(sample: str) -> str:
    """The delimiter that splits the sample's header and rows most consistently (comma if none)."""
    # The sample may end mid-record: only whole lines are judged.
    if "\n" in sample:
        sample = sample[: sample.rfind("\n") + 1]
    best, best_score = ",", (False, 0.0, 0)
    for delimiter in DELIMITERS:
        try:
            records = [r for r in csv.reader(io.StringIO(sample), delimiter=delimiter) if r]
        except csv.Error:
            continue
        records = records[:50]
        if not records:
            continue
        width = len(records[0])
        body = records[1:] or records
        consistency = sum(len(r) == width for r in body) / len(body)
        score = (width > 1, consistency, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best
