"""Order spreadsheet (XLSX) -> the same rows as the CSV, cells as Excel shows them."""

from __future__ import annotations

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
