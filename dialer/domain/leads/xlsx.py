"""``.xlsx`` lead files: checked against zip bombs and oversized sheets before any XML is parsed."""

from __future__ import annotations

import itertools
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from dialer.domain.leads.leadfile import (
    CHUNK_ROWS,
    Chunk,
    Detected,
    FileLimits,
    LeadFile,
    UnreadableFile,
    build_chunk,
    cell_text,
    unique_headers,
)

_LARGE_ENTRY = 1 << 20  # small parts (styles, themes) compress very well and are harmless
_HEADER_SEARCH_ROWS = 20


def open_xlsx(path: Path, limits: FileLimits) -> LeadFile:
    """Open an .xlsx workbook after checking its archive and its sheet's declared size."""
    check_archive(path, limits)
    return _XlsxFile(path, limits)


def check_archive(path: Path, limits: FileLimits) -> None:
    """Refuse archives whose entries, total size or compression ratio could exhaust memory."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise UnreadableFile(
            "bad_xlsx", "The spreadsheet is damaged and cannot be opened."
        ) from None
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        if "content.xml" in names:
            raise UnreadableFile(
                "ods", "OpenDocument spreadsheets are not supported: save it as .xlsx or CSV."
            )
        raise UnreadableFile("not_xlsx", "This zip archive is not an Excel .xlsx workbook.")
    if len(infos) > limits.max_xlsx_entries:
        raise UnreadableFile(
            "zip_bomb", f"The workbook holds {len(infos)} parts; this is not a lead list."
        )
    total = sum(info.file_size for info in infos)
    if total > limits.max_xlsx_uncompressed:
        raise UnreadableFile(
            "zip_bomb",
            f"The workbook unpacks to {total // 1_000_000} MB, more than the "
            f"{limits.max_xlsx_uncompressed // 1_000_000} MB allowed.",
        )
    for info in infos:
        if info.file_size <= _LARGE_ENTRY:
            continue
        ratio = info.file_size // max(info.compress_size, 1)
        if ratio > limits.max_xlsx_ratio:
            raise UnreadableFile(
                "zip_bomb",
                f"The workbook part {info.filename} is compressed {ratio} times; "
                "this looks like a zip bomb.",
            )


class _XlsxFile(LeadFile):
    def __init__(self, path: Path, limits: FileLimits) -> None:
        import openpyxl

        self.limits = limits
        # Our own handle: openpyxl's half-read sheet streams cannot keep the file open.
        self._handle = path.open("rb")
        try:
            self._open(openpyxl)
        except BaseException:
            self._handle.close()
            raise

    def _open(self, openpyxl) -> None:
        try:
            with warnings.catch_warnings():
                # openpyxl warns about features it drops (data validation, styles): harmless here.
                warnings.simplefilter("ignore", UserWarning)
                self._book = openpyxl.load_workbook(self._handle, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds for a damaged file
            raise UnreadableFile(
                "bad_xlsx", f"The spreadsheet is damaged and cannot be opened ({error})."
            ) from None
        sheet = self._pick_sheet()
        self._declared_rows = self._check_dimensions(sheet)
        # The declared size may also lie small; read every row that is really there.
        sheet.reset_dimensions()
        self._sheet = sheet
        self._rows = self._numbered_rows()
        self.header_line, header = self._find_header()
        self.headers = unique_headers(header)
        if len(self.headers) > self.limits.max_columns:
            raise UnreadableFile(
                "too_many_columns",
                f"The sheet has {len(self.headers)} columns; "
                f"at most {self.limits.max_columns} are allowed.",
            )
        self.detected = Detected("xlsx", sheet=sheet.title)

    def _pick_sheet(self):
        candidates = [self._book.active, *self._book.worksheets]
        for sheet in candidates:
            if sheet is None or not hasattr(sheet, "iter_rows"):
                continue
            rows = sheet.iter_rows(min_row=1, max_row=50, values_only=True)
            has_data = any(any(v is not None for v in row) for row in rows)
            rows.close()
            if has_data:
                return sheet
        raise UnreadableFile("empty", "The workbook has no sheet with data.")

    def _check_dimensions(self, sheet) -> int:
        rows, columns = sheet.max_row or 0, sheet.max_column or 0
        if rows > self.limits.max_rows + _HEADER_SEARCH_ROWS or columns > self.limits.max_columns:
            raise UnreadableFile(
                "sheet_too_large",
                f"The sheet {sheet.title!r} declares {rows} rows by {columns} columns; at most "
                f"{self.limits.max_rows} rows and {self.limits.max_columns} columns are allowed. "
                "Delete the empty formatted rows and columns, or save it as CSV.",
            )
        return rows

    def _numbered_rows(self) -> Iterator[tuple[int, list[str]]]:
        width_limit = self.limits.max_columns
        for number, row in enumerate(self._sheet.iter_rows(min_row=1, values_only=True), start=1):
            if number > self.limits.max_rows + _HEADER_SEARCH_ROWS:
                raise UnreadableFile(
                    "too_many_rows", f"The sheet has more than {self.limits.max_rows} rows."
                )
            if len(row) > width_limit and any(v is not None for v in row[width_limit:]):
                raise UnreadableFile(
                    "too_many_columns",
                    f"Row {number} has values past column {width_limit}, the most allowed.",
                )
            yield number, [cell_text(value) for value in row[:width_limit]]

    def _find_header(self) -> tuple[int, list[str]]:
        """The first row with two or more values (a title row above it is skipped)."""
        seen: list[tuple[int, list[str]]] = []
        for number, values in self._rows:
            seen.append((number, values))
            if sum(1 for v in values if v.strip()) >= 2 or number >= _HEADER_SEARCH_ROWS:
                break
        filled = [(n, v) for n, v in seen if any(cell.strip() for cell in v)]
        if not filled:
            raise UnreadableFile("empty", "The sheet is empty.")
        wide = [(n, v) for n, v in filled if sum(1 for cell in v if cell.strip()) >= 2]
        number, values = wide[0] if wide else filled[0]
        after = [(n, v) for n, v in seen if n > number]
        self._rows = itertools.chain(after, self._rows)
        return number, _trim(values)

    def chunks(self, rows: int = CHUNK_ROWS) -> Iterator[Chunk]:
        """Every data row once, in sheet order, in chunks of at most ``rows``."""
        width = len(self.headers)
        records: list[list[str]] = []
        lines: list[int] = []
        for number, values in self._rows:
            if len(values) < width:
                values = values + [""] * (width - len(values))
            records.append(values)
            lines.append(number)
            if len(records) >= rows:
                fraction = min(number / self._declared_rows, 0.99) if self._declared_rows else 0.0
                yield build_chunk(self.headers, records, np.asarray(lines), " | ", fraction)
                records, lines = [], []
        if records:
            yield build_chunk(self.headers, records, np.asarray(lines), " | ", 1.0)

    def close(self) -> None:
        self._book.close()
        self._handle.close()


def _trim(values: list[str]) -> list[str]:
    while values and not values[-1].strip():
        values = values[:-1]
    return values
