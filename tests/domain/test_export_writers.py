"""The export writers: CSV with BOM and XLSX, cell by cell, and the Excel injection cases."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from dialer.domain.exports.writers import neutralise, write_rows

HEADER = ["Số điện thoại", "=Câu hỏi", "Điểm", "Lúc"]
DANGEROUS = ["=1+2", "+SUM(A1)", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", '=HYPERLINK("x")']


def rows() -> list[list]:
    at = datetime(2026, 3, 1, 9, 30, 5)
    safe = [["+84901234567", "Rất hài lòng", 5, at], ["+84281234567", "", None, at]]
    return safe + [["+84901234568", text, -1, at] for text in DANGEROUS]


def test_csv_has_a_bom_the_header_and_every_cell(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    seen: list[int] = []

    count = write_rows("csv", HEADER, iter(rows()), path, seen.append)

    assert count == len(rows()) and seen[-1] == count
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(raw.decode("utf-8-sig").splitlines(keepends=True)))
    assert lines[0] == ["Số điện thoại", "'=Câu hỏi", "Điểm", "Lúc"]
    assert lines[1] == ["+84901234567", "Rất hài lòng", "5", "2026-03-01 09:30:05"]
    assert lines[2] == ["+84281234567", "", "", "2026-03-01 09:30:05"]
    for line, text in zip(lines[3:], DANGEROUS, strict=True):
        assert line[0] == "+84901234568"  # E.164 keeps its plus
        assert line[1] == "'" + text  # neutralised: Excel shows it, never runs it
        assert line[2] == "-1"  # a number is a number


def test_xlsx_writes_every_text_cell_as_a_string(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"

    count = write_rows("xlsx", HEADER, iter(rows()), path)

    assert count == len(rows())
    sheet = openpyxl.load_workbook(path).active
    cells = list(sheet.iter_rows())
    assert [c.value for c in cells[0]] == HEADER
    assert all(c.data_type == "s" for c in cells[0])
    assert cells[1][0].value == "+84901234567" and cells[1][0].data_type == "s"
    assert cells[1][2].value == 5 and cells[1][2].data_type == "n"
    assert cells[1][3].value == datetime(2026, 3, 1, 9, 30, 5)
    for line, text in zip(cells[3:], DANGEROUS, strict=True):
        assert line[0].value == "+84901234568" and line[0].data_type == "s"
        # OOXML stores a CR as _x000D_ (Excel shows a CR); openpyxl does not decode it.
        assert line[1].value == text.replace("\r", "_x000D_")
        assert line[1].data_type == "s"  # a string, not a formula
        assert line[2].value == -1


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_zero_rows_is_a_valid_file_with_its_header(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"empty.{fmt}"

    assert write_rows(fmt, HEADER, iter([]), path) == 0

    if fmt == "csv":
        assert path.read_text(encoding="utf-8-sig").splitlines() == [
            "Số điện thoại,'=Câu hỏi,Điểm,Lúc"
        ]
    else:
        sheet = openpyxl.load_workbook(path).active
        assert [[c.value for c in r] for r in sheet.iter_rows()] == [HEADER]


def test_neutralise_leaves_plain_text_and_phone_numbers_alone() -> None:
    assert neutralise("Nguyễn Văn A") == "Nguyễn Văn A"
    assert neutralise("+84901234567") == "+84901234567"
    assert neutralise("+84901234567=1") == "'+84901234567=1"
    assert neutralise("-") == "'-"
