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

import codecs
import csv
import functools
import gc
import io
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from dialer.domain.errors import DomainError

DELIMITERS = (",", ";", "\t", "|")
CHUNK_ROWS = 25_000
_SAMPLE_BYTES = 64 * 1024
_BLOCK_BYTES = 1 << 20
_RAW_LIMIT = 500  # characters of a malformed row kept for the report

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


def open_lead_file(path: str | Path, limits: FileLimits | None = None) -> LeadFile:
    """Open ``path`` as a lead file, detecting its kind; raise UnreadableFile when it is not one."""
    from dialer.domain.leads.xlsx import open_xlsx

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
                    MalformedRow(int(lines[index]), joiner.join(values)[:_RAW_LIMIT], detail)
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
            malformed.append(MalformedRow(int(lines[index]), raw[:_RAW_LIMIT], "nul"))
    if not keep.all():
        records, lines = [records[i] for i in np.flatnonzero(keep).tolist()], lines[keep]
    if records:
        frame = pd.DataFrame(records, columns=headers, dtype="str")
    else:
        frame = pd.DataFrame({h: pd.Series([], dtype="str") for h in headers})
    malformed.sort(key=lambda row: row.line)
    return Chunk(frame, np.asarray(lines, dtype=np.int64), malformed, fraction)


# ------------------------------------------------------------------------ CSV


class _CsvFile(LeadFile):
    def __init__(self, path: Path, limits: FileLimits) -> None:
        self.path = path
        self.limits = limits
        self.size = path.stat().st_size
        encoding = detect_encoding(path)
        sample = _decoded_sample(path, encoding)
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

    def _open_reader(self, skip_lines: int):  # noqa: ANN202
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
                malformed.append(
                    MalformedRow(line, str(error)[:_RAW_LIMIT], f"unsplittable:{last}")
                )
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
        while block := handle.read(_BLOCK_BYTES):
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


# ------------------------------------------------------------------- encoding

_VIETNAMESE_TONE_BYTES = rb"[\xcc\xd2\xde\xec\xf2]"
# In Windows-1258 a tone mark follows its vowel (plain or with hat, breve or horn).
_VOWEL_THEN_TONE = re.compile(
    rb"[aeiouyAEIOUY\xe2\xea\xf4\xe3\xf5\xfd\xc2\xca\xd4\xc3\xd5\xdd]" + _VIETNAMESE_TONE_BYTES
)
_TONE = re.compile(_VIETNAMESE_TONE_BYTES)
_VIETNAMESE_LETTERS = re.compile(rb"[\xd0\xf0]")  # Đ đ
_CP1252_ONLY = re.compile(rb"[\x8a\x8e\x9a\x9e]")  # Š Ž š ž: holes in Windows-1258
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f]")


def detect_encoding(path: Path) -> str:
    """The codec that reads the whole file, by BOM, UTF-16 shape, UTF-8 validity, then evidence."""
    with path.open("rb") as handle:
        sample = handle.read(_SAMPLE_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        if _decodes(path, "utf-8-sig"):
            return "utf-8-sig"
        raise UnreadableFile("unknown_encoding", "The file starts as UTF-8 but is not valid UTF-8.")
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _checked(path, "utf-16")
    utf16 = _utf16_without_bom(sample)
    if utf16:
        return _checked(path, utf16)
    if len(_CONTROL.findall(sample)) > max(2, len(sample) // 200):
        raise UnreadableFile("binary", "This is not a text or spreadsheet file.")
    if _decodes(path, "utf-8"):
        return "utf-8"
    return _checked(path, _legacy_codepage(path))


def _utf16_without_bom(sample: bytes) -> str | None:
    even, odd = sample[0::2], sample[1::2]
    if len(sample) < 4:
        return None
    if odd.count(0) > len(odd) * 0.4 and even.count(0) < len(even) * 0.1:
        return "utf-16-le"
    if even.count(0) > len(even) * 0.4 and odd.count(0) < len(odd) * 0.1:
        return "utf-16-be"
    return None


def _legacy_codepage(path: Path) -> str:
    """Windows-1258 when the bytes read as Vietnamese tone marks after vowels, else 1252."""
    vowel_tones = tones = letters = 0
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK_BYTES):
            if _CP1252_ONLY.search(block):
                return "cp1252"
            vowel_tones += len(_VOWEL_THEN_TONE.findall(block))
            tones += len(_TONE.findall(block))
            letters += len(_VIETNAMESE_LETTERS.findall(block))
    # Italian "però" puts the same bytes after consonants; Vietnamese puts them after vowels.
    if vowel_tones and vowel_tones >= 0.8 * tones:
        return "cp1258"
    if letters and not tones:
        return "cp1258"
    return "cp1252"


def _checked(path: Path, encoding: str) -> str:
    if _decodes(path, encoding):
        return encoding
    raise UnreadableFile(
        "unknown_encoding",
        "The file's text encoding is not recognised: save it as CSV UTF-8 and upload it again.",
    )


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as handle:
            while block := handle.read(_BLOCK_BYTES):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _decoded_sample(path: Path, encoding: str) -> str:
    with path.open("rb") as handle:
        raw = handle.read(_SAMPLE_BYTES)
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(raw)
    return nfc(text.lstrip("\ufeff"))
