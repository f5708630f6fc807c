"""Order spreadsheet (XLSX) -> the same rows as the CSV, cells as Excel shows them."""

from __future__ import annotations

import tracemalloc
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from impilo_desktop.domain.order_sheet.sheet import SheetProblem, SheetRow, read_csv
from impilo_desktop.domain.order_sheet.xlsx import read_order_sheet, read_xlsx


def workbook(tmp_path: Path, *sheets: Sequence[Sequence[Any]]) -> bytes:
    """A workbook saved by openpyxl, with one worksheet per table given."""
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for number, rows in enumerate(sheets, start=1):
        sheet = book.create_sheet(f"Sheet{number}")
        for row in rows:
            sheet.append(list(row))
    path = tmp_path / "orders.xlsx"
    book.save(path)
    return path.read_bytes()


def test_the_first_sheet_reads_as_the_csv_does(tmp_path: Path) -> None:
    data = workbook(
        tmp_path,
        [
            ["Order Ref", "Patient ID", "SKU", "Count", "Note", "Insurance"],
            ["A-1", 100, "BP-200", 2, "Leave at door", "Aetna"],
            [None, None, None, None, None, None],
            ["A-1", None, "CUFF-L", 1.0, None, None],
        ],
        [["sku", "count"], ["NOT-READ", 9]],
    )
    csv = read_csv(
        b"Order Ref,Patient ID,SKU,Count,Note,Insurance\n"
        b"A-1,100,BP-200,2,Leave at door,Aetna\n,,,,,\nA-1,,CUFF-L,1,,\n"
    )
    sheet = read_xlsx(data)
    assert sheet == csv
    assert sheet.rows[1] == SheetRow(4, {"order_ref": "A-1", "sku": "CUFF-L", "count": "1"})
    assert sheet.problems == [
        SheetProblem(1, "Insurance", "Unknown column “Insurance”; it was left out", False)
    ]


def test_cells_read_as_excel_shows_them(tmp_path: Path) -> None:
    data = workbook(
        tmp_path,
        [
            ["first_name", "date_of_birth", "zip", "phone", "count", "note"],
            ["Jane", datetime(1961, 4, 30), 2134, 5550102030, 3, 2.5],
            ["Ben", date(1970, 1, 2), "02134", "555-010-2030", 1, True],
        ],
    )
    rows = read_xlsx(data).rows
    assert rows[0].cells == {
        "first_name": "Jane",
        "date_of_birth": "1961-04-30",
        "zip": "02134",  # Excel dropped the leading zero of a ZIP typed as a number
        "phone": "5550102030",
        "count": "3",
        "note": "2.5",
    }
    assert rows[1].get("date_of_birth") == "1970-01-02"
    assert rows[1].get("zip") == "02134"
    assert rows[1].get("note") == "TRUE"


def test_the_kind_of_file_is_told_by_its_content(tmp_path: Path) -> None:
    data = workbook(tmp_path, [["sku", "count"], ["BP-200", 1]])
    assert read_order_sheet(data).rows == [SheetRow(2, {"sku": "BP-200", "count": "1"})]
    assert read_order_sheet(b"sku;count\nBP-200;1\n").rows == read_order_sheet(data).rows
    old = read_order_sheet(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    assert old.problems == [
        SheetProblem(None, None, "This is an old Excel file (.xls); save it as .xlsx or CSV UTF-8")
    ]


def test_a_damaged_workbook_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    data = workbook(tmp_path, [["sku", "count"], ["BP-200", 1]])
    for damaged in (data[: len(data) // 2], b"PK\x03\x04 not really a zip"):
        sheet = read_xlsx(damaged)
        assert sheet.rows == []
        assert [p.row for p in sheet.problems] == [None]
        assert "can't be read" in sheet.problems[0].message


def test_an_empty_workbook_asks_for_a_header(tmp_path: Path) -> None:
    sheet = read_xlsx(workbook(tmp_path, []))
    assert sheet.problems == [SheetProblem(1, None, "The first row must name the columns")]


def test_one_stray_cell_far_right_reads_only_as_wide_as_the_header(tmp_path: Path) -> None:
    # 3,000 rows and one cell in column XFD (16,384): openpyxl padded every row out to it
    # (8 s and 800 MB). Only the header's columns and a small margin are read now.
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["order_ref", "patient_id", "sku", "count"])
    for n in range(3_000):
        sheet.append([f"R-{n}", 100, "BP-200", 1])
    sheet.cell(row=5, column=16_384, value="far away")
    sheet.cell(row=6, column=6, value="just right")  # within the margin: said, not lost
    path = tmp_path / "wide.xlsx"
    book.save(path)
    data = path.read_bytes()
    assert len(data) < 200_000

    tracemalloc.start()
    try:
        read = read_xlsx(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 60_000_000  # the whole width took over 400 MB here
    assert len(read.rows) == 3_000
    assert read.rows[3].raw == ("R-3", "100", "BP-200", "1")  # no trailing empty cells
    assert read.problems == [
        SheetProblem(6, None, "“just right” is in a column without a name; left out", False)
    ]


def test_formatted_empty_rows_do_not_count_toward_the_row_limit(tmp_path: Path) -> None:
    # 300 real lines, formatted down to row 12,001 (past MAX_ROWS): read, not refused.
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["order_ref", "sku", "count"])
    for n in range(300):
        sheet.append([f"R-{n}", "BP-200", 1])
    for row in range(302, 12_002):
        sheet.cell(row=row, column=1).number_format = "@"  # styled, never filled
    path = tmp_path / "formatted.xlsx"
    book.save(path)
    assert b'r="A12001"' in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")

    read = read_xlsx(path.read_bytes())
    assert read.problems == []
    assert [row.number for row in read.rows] == list(range(2, 302))
