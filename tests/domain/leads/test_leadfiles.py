"""Reading lead files people really have: every encoding, delimiter and spreadsheet, built here."""

from __future__ import annotations

import codecs
import re
import unicodedata
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from dialer.domain.leads.columns import (
    CUSTOM,
    MappingError,
    check_mapping,
    guess_mapping,
    parse_map_options,
)
from dialer.domain.leads.files import open_lead_file
from dialer.domain.leads.leadfile import FileLimits, UnreadableFile

ROWS = [
    ["Số điện thoại", "Họ tên", "Ghi chú"],
    ["0912345678", "Nguyễn Văn An", "Hà Nội"],
    ["0987 654 321", "Trần Thị Bích Ngọc", "=1+1"],
]


def read_all(path: Path, rows: int = 50_000, limits: FileLimits | None = None):
    """The detected format, header, all rows as dicts with their line, and the misfits."""
    with open_lead_file(path, limits) as lead_file:
        chunks = list(lead_file.chunks(rows))
        detected, headers = lead_file.detected, lead_file.headers
    frame = pd.concat([c.frame for c in chunks], ignore_index=True) if chunks else pd.DataFrame()
    lines = [int(n) for c in chunks for n in c.lines]
    malformed = [m for c in chunks for m in c.malformed]
    return detected, headers, frame, lines, malformed


def write_text(path: Path, rows: list[list[str]], delimiter: str, encoding: str) -> Path:
    text = "\r\n".join(delimiter.join(row) for row in rows) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


def cp1258(text: str) -> bytes:
    """Vietnamese as Windows-1258 writes it: base letters with a combining tone mark."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", char)
        # cp1258 has â ê ô ă ơ ư precomposed; the tone mark stays combining.
        for mark in marks:
            letter = unicodedata.normalize("NFC", base + mark)
            if len(letter) == 1 and letter.encode("cp1258", "ignore"):
                base = letter
                marks.remove(mark)
                break
        out += base.encode("cp1258") + "".join(marks).encode("cp1258")
    return bytes(out)


# --------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    ("encoding", "label"),
    [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 (BOM)")],
)
def test_utf8_with_and_without_bom(tmp_path, encoding, label):
    detected, headers, frame, lines, _ = read_all(
        write_text(tmp_path / "leads.csv", ROWS, ",", encoding)
    )
    assert detected.encoding_label == label
    assert headers == ROWS[0]
    assert frame.values.tolist() == ROWS[1:]
    assert lines == [2, 3]


def test_excel_unicode_text_is_utf16_with_tabs(tmp_path):
    path = write_text(tmp_path / "leads.txt", ROWS, "\t", "utf-16")
    assert path.read_bytes()[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    detected, headers, frame, lines, _ = read_all(path)
    assert (detected.encoding, detected.delimiter_label) == ("utf-16", "tab")
    assert headers == ROWS[0]
    assert frame.values.tolist() == ROWS[1:]


def test_utf16_without_bom_is_recognised(tmp_path):
    path = write_text(tmp_path / "leads.txt", ROWS, "\t", "utf-16-le")
    detected, _, frame, _, _ = read_all(path)
    assert detected.encoding == "utf-16-le"
    assert frame.values.tolist() == ROWS[1:]


def test_windows_1258_vietnamese_comes_out_as_nfc(tmp_path):
    text = "\r\n".join(",".join(row) for row in ROWS) + "\r\n"
    raw = cp1258(text)
    assert b"\xde" in raw  # the tilde of Nguyễn is a combining byte: a real cp1258 file
    path = tmp_path / "leads.csv"
    path.write_bytes(raw)
    detected, headers, frame, _, _ = read_all(path)
    assert detected.encoding_label == "Windows-1258"
    assert headers == ROWS[0]
    assert frame.values.tolist() == ROWS[1:]
    assert unicodedata.is_normalized("NFC", frame.iloc[1, 1])


def test_windows_1252_western_names_are_not_taken_for_vietnamese(tmp_path):
    rows = [["phone", "name", "city"], ["0912345678", "José Müller", "São Paulo"],
            ["0912345679", "Niccolò Però", "Genève"]]  # fmt: skip
    path = write_text(tmp_path / "leads.csv", rows, ";", "cp1252")
    detected, _, frame, _, _ = read_all(path)
    assert (detected.encoding_label, detected.delimiter) == ("Windows-1252", ";")
    assert frame["name"].tolist() == ["José Müller", "Niccolò Però"]
    assert frame["city"].tolist() == ["São Paulo", "Genève"]


def test_decomposed_utf8_from_a_mac_becomes_nfc(tmp_path):
    rows = [["phone", "name"], ["0912345678", unicodedata.normalize("NFD", "Nguyễn Thị Ánh")]]
    _, _, frame, _, _ = read_all(write_text(tmp_path / "l.csv", rows, ",", "utf-8"))
    assert frame["name"].tolist() == ["Nguyễn Thị Ánh"]


# -------------------------------------------------------------- delimiters


@pytest.mark.parametrize(("delimiter", "label"), [(",", "comma"), (";", "semicolon"),
                                                   ("\t", "tab"), ("|", "pipe")])  # fmt: skip
def test_each_delimiter_is_detected(tmp_path, delimiter, label):
    detected, headers, frame, _, _ = read_all(
        write_text(tmp_path / "leads.csv", ROWS, delimiter, "utf-8")
    )
    assert detected.delimiter_label == label
    assert headers == ROWS[0]
    assert frame.values.tolist() == ROWS[1:]


def test_a_delimiter_inside_quotes_does_not_fool_detection(tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text(
        'phone;name;note\n0912345678;"Lê, Văn";"a, b, c"\n0912345679;An;"x, y"\n', "utf-8"
    )
    detected, _, frame, _, _ = read_all(path)
    assert detected.delimiter == ";"
    assert frame["note"].tolist() == ["a, b, c", "x, y"]


def test_excel_sep_line_names_the_delimiter_and_counts_as_a_line(tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text("sep=|\nphone|name\n0912345678|An, Bình\n", "utf-8")
    detected, headers, frame, lines, _ = read_all(path)
    assert detected.delimiter == "|"
    assert headers == ["phone", "name"]
    assert frame["name"].tolist() == ["An, Bình"]
    assert lines == [3]


def test_a_single_column_of_phones_is_read(tmp_path):
    path = tmp_path / "phones.csv"
    path.write_text("phone\n0912345678\n0912345679\n", "utf-8")
    _, headers, frame, lines, _ = read_all(path)
    assert headers == ["phone"]
    assert frame["phone"].tolist() == ["0912345678", "0912345679"]
    assert lines == [2, 3]


# ------------------------------------------------------------ line numbers


def test_quoted_newlines_keep_line_numbers_physical(tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text(
        "phone,name,note\n"
        '0912345678,An,"first line\nsecond line\r\nthird"\n'  # lines 2-4
        "0912345679,Bình,plain\n"  # line 5
        '0912345680,"Châu\nNguyễn",x\n'  # lines 6-7
        "0912345681,Dũng,y\n",  # line 8
        "utf-8",
    )
    _, _, frame, lines, _ = read_all(path, rows=2)
    assert lines == [2, 5, 6, 8]
    assert frame["note"].tolist()[0] == "first line\nsecond line\r\nthird"


def test_malformed_rows_are_reported_with_their_line_and_the_rest_is_read(tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text(
        "phone,name\n"
        "0912345678,An\n"
        "0912345679,Bình,extra\n"  # line 3: one field too many
        "\n"  # line 4: blank, skipped
        "0912345680\n"  # line 5: one field short
        "0912345681,Dũng,,\n"  # line 6: empty trailing cells are fine
        ",\n"  # line 7: an empty row exported by a spreadsheet
        "0912345682,Giang\n",
        "utf-8",
    )
    _, _, frame, lines, malformed = read_all(path)
    assert lines == [2, 6, 8]
    assert frame["name"].tolist() == ["An", "Dũng", "Giang"]
    assert [(m.line, m.raw, m.detail) for m in malformed] == [
        (3, "0912345679,Bình,extra", "fields:3:2"),
        (5, "0912345680", "fields:1:2"),
    ]


def test_a_nul_byte_spoils_one_row_not_the_file(tmp_path):
    path = tmp_path / "leads.csv"
    path.write_bytes(
        b"phone,name\n0912345678,An\n0912345679,B\x00nh\n0912345680,Ch\xc3\xa2u\n0912345681,D\n"
    )
    _, _, frame, lines, malformed = read_all(path, rows=10)
    assert frame["name"].tolist() == ["An", "Châu", "D"]
    assert lines == [2, 4, 5]
    assert [m.line for m in malformed] == [3]


def test_a_stray_quote_is_reported_and_reading_goes_on(tmp_path):
    filler = "".join(f"0912{i:06d},name {i}\n" for i in range(12_000))  # past csv's field limit
    path = tmp_path / "leads.csv"
    path.write_text(f'phone,name\n0912345678,An\n0912345679,"Bình\n{filler}', "utf-8")
    _, _, frame, lines, malformed = read_all(path, rows=100)
    assert frame["name"].tolist()[0] == "An" and lines[0] == 2
    assert malformed[0].line == 3
    assert malformed[0].detail.startswith("unsplittable:")


def test_chunks_split_a_long_file_without_losing_or_repeating_rows(tmp_path):
    rows = [["phone", "n"]] + [[f"09123{i:05d}", str(i)] for i in range(1234)]
    _, _, frame, lines, _ = read_all(write_text(tmp_path / "l.csv", rows, ",", "utf-8"), rows=100)
    assert frame["n"].tolist() == [str(i) for i in range(1234)]
    assert lines == list(range(2, 1236))


def test_values_are_kept_as_text_never_typed(tmp_path):
    rows = [["phone", "a", "b"], ["0912345678", "=SUM(A1)", "007"], ["+84912345679", "-1", "1e5"]]
    _, _, frame, _, _ = read_all(write_text(tmp_path / "l.csv", rows, ",", "utf-8"))
    assert frame.values.tolist() == [row for row in rows[1:]]


def test_repeated_and_blank_headers_get_names(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text("phone,Note,,note\n0912345678,a,b,c\n", "utf-8")
    _, headers, _, _, _ = read_all(path)
    assert headers == ["phone", "Note", "column 3", "note (2)"]


# ------------------------------------------------------------- spreadsheets


def make_xlsx(path: Path, rows: list[list[object]], title: str = "Khách hàng") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_xlsx_numbers_lose_no_digit_and_cells_come_as_text(tmp_path):
    path = make_xlsx(
        tmp_path / "leads.xlsx",
        [
            ["Danh sách khách hàng tháng 11"],  # a title row above the header
            ["SĐT", "Họ tên", "Điểm", "Ngày"],
            [912345678, "Nguyễn Văn An", 4.5, None],
            ["0912345679", "Trần Thị Bích", 3.0, "=1+1"],
            [],
            [912345680.0, "Lê Minh", None, None],
        ],
    )
    detected, headers, frame, lines, malformed = read_all(path)
    assert (detected.kind, detected.sheet) == ("xlsx", "Khách hàng")
    assert headers == ["SĐT", "Họ tên", "Điểm", "Ngày"]
    assert frame["SĐT"].tolist() == ["912345678", "0912345679", "912345680"]
    assert frame["Điểm"].tolist() == ["4.5", "3", ""]
    assert lines == [3, 4, 6]
    assert malformed == []


def test_xlsx_values_past_the_header_are_a_malformed_row(tmp_path):
    path = make_xlsx(tmp_path / "l.xlsx", [["phone", "name"], ["0912345678", "An", "stray"]])
    _, _, frame, _, malformed = read_all(path)
    assert frame.empty
    assert [(m.line, m.raw) for m in malformed] == [(2, "0912345678 | An | stray")]


def test_xlsx_picks_the_sheet_with_data(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Trống"
    data = book.create_sheet("Leads")
    data.append(["phone", "name"])
    data.append(["0912345678", "An"])
    book.save(tmp_path / "two.xlsx")
    detected, _, frame, _, _ = read_all(tmp_path / "two.xlsx")
    assert detected.sheet == "Leads"
    assert frame["name"].tolist() == ["An"]


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def test_xlsx_zip_bomb_is_refused_before_parsing(tmp_path):
    path = _zip(
        tmp_path / "bomb.xlsx",
        {"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"\0" * 50_000_000},
    )
    with pytest.raises(UnreadableFile) as refused:
        open_lead_file(path)
    assert refused.value.code == "zip_bomb"


def test_xlsx_unpacking_past_the_total_limit_is_refused(tmp_path):
    path = make_xlsx(tmp_path / "l.xlsx", [["phone"], ["0912345678"]])
    with pytest.raises(UnreadableFile) as refused:
        open_lead_file(path, FileLimits(max_xlsx_uncompressed=1000))
    assert refused.value.code == "zip_bomb"


def test_xlsx_with_too_many_parts_is_refused(tmp_path):
    entries = {"xl/workbook.xml": b"<workbook/>"} | {f"x/{i}": b"" for i in range(30)}
    with pytest.raises(UnreadableFile) as refused:
        open_lead_file(_zip(tmp_path / "many.xlsx", entries), FileLimits(max_xlsx_entries=20))
    assert refused.value.code == "zip_bomb"


def test_xlsx_declaring_a_huge_sheet_is_refused_before_its_rows_are_read(tmp_path):
    path = make_xlsx(tmp_path / "l.xlsx", [["phone", "name"], ["0912345678", "An"]])
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = re.sub(
        rb'<dimension ref="A1:B2"\s*/>', b'<dimension ref="A1:XFD1048576"/>', sheet
    )
    assert parts["xl/worksheets/sheet1.xml"] != sheet
    with pytest.raises(UnreadableFile) as refused:
        open_lead_file(_zip(tmp_path / "huge.xlsx", parts))
    assert refused.value.code == "sheet_too_large"


def test_a_sheet_with_more_rows_than_allowed_is_refused(tmp_path):
    path = make_xlsx(tmp_path / "l.xlsx", [["phone", "n"]] + [["0912345678", i] for i in range(30)])
    with pytest.raises(UnreadableFile) as refused:
        read_all(path, limits=FileLimits(max_rows=5))
    assert refused.value.code in {"sheet_too_large", "too_many_rows"}


def test_a_csv_with_more_rows_than_allowed_is_refused(tmp_path):
    rows = [["phone"]] + [["0912345678"]] * 30
    with pytest.raises(UnreadableFile) as refused:
        read_all(write_text(tmp_path / "l.csv", rows, ",", "utf-8"), limits=FileLimits(max_rows=5))
    assert refused.value.code == "too_many_rows"


# -------------------------------------------------------------- unreadable


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty"),
        (b"\xef\xbb\xbf  \r\n", "empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, "binary"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "xls"),
        (b"phone,name\n0912345678,\x81\x8d\x90\n", "unknown_encoding"),
        (b"PK\x03\x04 not really a zip", "bad_xlsx"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(tmp_path, content, code):
    path = tmp_path / "upload.csv"
    path.write_bytes(content)
    with pytest.raises(UnreadableFile) as refused:
        read_all(path)
    assert refused.value.code == code
    assert str(refused.value)


def test_an_opendocument_spreadsheet_is_named_as_such(tmp_path):
    path = _zip(tmp_path / "l.ods", {"mimetype": b"application/vnd.oasis", "content.xml": b"<x/>"})
    with pytest.raises(UnreadableFile) as refused:
        open_lead_file(path)
    assert refused.value.code == "ods"


# ----------------------------------------------------------------- mapping


def test_vietnamese_headers_are_mapped_whatever_their_accents_and_case():
    headers = ["SỐ ĐIỆN THOẠI", "Họ", "Tên", "Email", "Múi giờ", "Tỉnh/Thành"]
    assert guess_mapping(headers) == {
        "SỐ ĐIỆN THOẠI": "phone",
        "Họ": "last_name",
        "Tên": "first_name",
        "Email": "email",
        "Múi giờ": "timezone",
        "Tỉnh/Thành": CUSTOM,
    }


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("SĐT", "phone"),
        ("sdt", "phone"),
        ("Điện thoại", "phone"),
        ("Số điện thoại (di động)", "phone"),
        ("Mobile", "phone"),
        ("Tel.", "phone"),
        ("Phone Number", "phone"),
        ("Họ tên", "full_name"),
        ("Họ và tên", "full_name"),
        ("Full name", "full_name"),
        ("First Name", "first_name"),
        ("last_name", "last_name"),
        ("E-mail", "email"),
        ("Time zone", "timezone"),
        ("Ghi chú", CUSTOM),
    ],
)
def test_one_header_guess(header, field):
    assert guess_mapping(["x", header])[header] == field


def test_a_second_phone_column_stays_custom():
    assert guess_mapping(["Mobile", "Phone"]) == {"Mobile": "phone", "Phone": CUSTOM}


def test_a_mapping_needs_exactly_one_phone_and_no_field_twice():
    headers = ["a", "b"]
    assert check_mapping(headers, {"a": "phone"}) == {"a": "phone", "b": CUSTOM}
    for mapping, code in [
        ({"a": "email"}, "no_phone"),
        ({"a": "phone", "b": "phone"}, "field_twice"),
        ({"a": "phone", "c": "email"}, "unknown_column"),
        ({"a": "phone", "b": "salary"}, "unknown_field"),
    ]:
        with pytest.raises(MappingError) as refused:
            check_mapping(headers, mapping)
        assert refused.value.code == code


def test_map_options_from_the_command_line():
    assert parse_map_options(["Di động=phone", " Tên KH = full_name"]) == {
        "Di động": "phone",
        "Tên KH": "full_name",
    }
    with pytest.raises(MappingError):
        parse_map_options(["phone"])
