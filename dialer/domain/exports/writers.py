"""CSV (UTF-8 with BOM) and XLSX (constant memory) writers, both safe to open in Excel."""

from __future__ import annotations

import csv
import enum
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter

Cell = str | int | float | bool | datetime | date | None
Progress = Callable[[int], None]

# A spreadsheet reads a cell starting with one of these as a formula (or DDE on old Excel).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A number in E.164 cannot carry a formula: it keeps its "+" (and stays text in XLSX).
# ASCII digits only and the whole text: "$" would also pass a trailing newline.
E164 = re.compile(r"\+[1-9][0-9]{5,14}")
PROGRESS_EVERY = 2000
XLSX_MAX_ROWS = 1_048_576  # Excel's limit per sheet, header included
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


def neutralise(text: str) -> str:
    """The text as a spreadsheet shows it, never run as a formula (phone numbers untouched)."""
    if text.startswith(FORMULA_STARTS) and not E164.fullmatch(text):
        return "'" + text
    return text


def write_rows(
    fmt: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    path: Path,
    progress: Progress | None = None,
) -> int:
    """Write the header and every row to ``path`` in ``fmt``; memory stays flat; the row count."""
    writer = _write_csv if ExportFormat(fmt) is ExportFormat.CSV else _write_xlsx
    path.parent.mkdir(parents=True, exist_ok=True)
    return writer(header, rows, path, progress or (lambda _count: None))


def _write_csv(
    header: Sequence[str], rows: Iterable[Sequence[Cell]], path: Path, progress: Progress
) -> int:
    count = 0
    # utf-8-sig: Excel opens a CSV with a BOM as UTF-8, so Vietnamese stays intact.
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle)
        out.writerow([neutralise(str(name)) for name in header])
        for row in rows:
            out.writerow([_csv_cell(value) for value in row])
            count += 1
            if count % PROGRESS_EVERY == 0:
                progress(count)
    progress(count)
    return count


def _csv_cell(value: Cell) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _write_xlsx(
    header: Sequence[str], rows: Iterable[Sequence[Cell]], path: Path, progress: Progress
) -> int:
    # constant_memory: each row is flushed to disk once the next begins, so memory stays flat.
    # Strings are never read as numbers, formulas or links: every text cell is write_string.
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "remove_timezone": True,
        },
    )
    when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    count = 0
    try:
        sheet, line = _new_sheet(workbook, header), 1
        for row in rows:
            if line == XLSX_MAX_ROWS:  # a sheet is full: go on in the next one
                sheet, line = _new_sheet(workbook, header), 1
            for column, value in enumerate(row):
                _xlsx_cell(sheet, line, column, value, when, day)
            line += 1
            count += 1
            if count % PROGRESS_EVERY == 0:
                progress(count)
    finally:
        workbook.close()
    progress(count)
    return count


def _new_sheet(workbook: Any, header: Sequence[str]) -> Any:
    sheet = workbook.add_worksheet()
    for column, name in enumerate(header):
        sheet.write_string(0, column, str(name))
    return sheet


def _xlsx_cell(sheet: Any, line: int, column: int, value: Cell, when: Any, day: Any) -> None:
    if value is None:
        return
    if isinstance(value, str):
        sheet.write_string(line, column, value)
    elif isinstance(value, bool):
        sheet.write_boolean(line, column, value)
    elif isinstance(value, datetime):
        sheet.write_datetime(line, column, value, when)
    elif isinstance(value, date):
        sheet.write_datetime(line, column, value, day)
    else:
        sheet.write_number(line, column, value)
