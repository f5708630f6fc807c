"""Order spreadsheet (CSV) -> rows under a normalised header, grouped into orders."""

from __future__ import annotations

from pathlib import Path

import pytest

from impilo_desktop.domain.order_sheet.sheet import (
    MAX_ROWS,
    SheetProblem,
    SheetRow,
    group_orders,
    normal_column,
    read_csv,
)


def write(tmp_path: Path, text: str, *, bom: bool = False, name: str = "orders.csv") -> bytes:
    """The file as a coordinator's spreadsheet program saves it, read back as bytes."""
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path.read_bytes()


@pytest.mark.parametrize("separator", [",", ";", "\t"])
@pytest.mark.parametrize("bom", [False, True])
def test_separator_and_bom_are_read(tmp_path: Path, separator: str, bom: bool) -> None:
    lines = [["Order Ref", "SKU", "Count", "Note"], ["A-1", "BP-200", "2", "Leave at door"]]
    text = "\r\n".join(separator.join(cells) for cells in lines) + "\r\n"
    sheet = read_csv(write(tmp_path, text, bom=bom))
    assert sheet.problems == []
    assert sheet.columns == ["order_ref", "sku", "count", "note"]
    assert sheet.rows == [
        SheetRow(2, {"order_ref": "A-1", "sku": "BP-200", "count": "2", "note": "Leave at door"})
    ]


def test_commas_in_quoted_cells_do_not_change_the_separator(tmp_path: Path) -> None:
    text = 'sku;count;note\nBP-200;1;"Call first, then ring, twice"\n'
    sheet = read_csv(write(tmp_path, text))
    assert sheet.rows[0].get("note") == "Call first, then ring, twice"


@pytest.mark.parametrize(
    ("cell", "column"),
    [
        ("order_ref", "order_ref"),
        ("ORDER REF", "order_ref"),
        (" Order-Ref ", "order_ref"),
        ("Patient  External  ID", "patient_external_id"),
        ("address_line_one", "address_line_one"),
    ],
)
def test_header_names_are_case_and_spacing_insensitive(cell: str, column: str) -> None:
    assert normal_column(cell) == column


def test_unknown_and_repeated_columns_are_reported_on_row_one(tmp_path: Path) -> None:
    text = "order_ref,sku,count,Insurance,SKU\nA,BP-200,1,Aetna,CUFF-L\n"
    sheet = read_csv(write(tmp_path, text))
    assert sheet.problems == [
        SheetProblem(1, "Insurance", "Unknown column “Insurance”; it was left out", False),
        SheetProblem(1, "sku", "The column sku appears twice; only the first is read"),
    ]
    # An EHR export's extra column is a note that stops nothing; a repeated one is a problem.
    assert [p.blocking for p in sheet.problems] == [False, True]
    assert sheet.rows == [SheetRow(2, {"order_ref": "A", "sku": "BP-200", "count": "1"})]


def test_a_header_without_a_line_column_is_reported(tmp_path: Path) -> None:
    sheet = read_csv(write(tmp_path, "order_ref,patient_id,count\nA,12,1\n"))
    assert sheet.problems == [
        SheetProblem(1, None, "No column names what to ship (item_id, sku, kit_id, kit_name)")
    ]


def test_row_numbers_are_the_spreadsheet_rows(tmp_path: Path) -> None:
    # A blank row is skipped but still counted; a note with a line break is one row.
    text = 'sku,count,note\nA,1,\n,,\nB,2,"two\nlines"\nC,3,\n'
    sheet = read_csv(write(tmp_path, text))
    assert [(row.number, row.get("sku")) for row in sheet.rows] == [(2, "A"), (4, "B"), (5, "C")]
    assert sheet.rows[1].get("note") == "two\nlines"


def test_cells_without_a_column_name_are_reported_not_lost(tmp_path: Path) -> None:
    text = "order_ref,sku,,count\nR,A,stray,1,extra\n"
    sheet = read_csv(write(tmp_path, text))
    assert sheet.rows == [SheetRow(2, {"order_ref": "R", "sku": "A", "count": "1"})]
    assert sheet.problems == [
        SheetProblem(2, None, "“stray” is in a column without a name; left out", False),
        SheetProblem(2, None, "“extra” is in a column without a name; left out", False),
    ]


def test_a_file_that_is_not_utf8_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "ansi.csv"
    path.write_bytes("sku,note\nA,Café\n".encode("cp1252"))
    sheet = read_csv(path.read_bytes())
    assert sheet.rows == []
    assert [str(p) for p in sheet.problems] == [
        "File: The file is not in UTF-8; in Excel choose Save As > CSV UTF-8"
    ]


@pytest.mark.parametrize("text", ["", "\n", ",,\n"])
def test_an_empty_header_is_reported(tmp_path: Path, text: str) -> None:
    sheet = read_csv(write(tmp_path, text))
    assert sheet.problems == [SheetProblem(1, None, "The first row must name the columns")]


def test_a_runaway_quote_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    # A quote left open swallows the rest of the file into one cell, past csv's field limit.
    sheet = read_csv(write(tmp_path, 'sku,count\nA,1\n"B,2\n' + "C,3\n" * 40_000))
    assert sheet.rows == []
    assert sheet.problems[0].row == 3
    assert "nothing was read" in sheet.problems[0].message


def test_too_many_rows_are_refused_whole(tmp_path: Path) -> None:
    text = "order_ref,sku,count\n" + "R,A,1\n" * (MAX_ROWS + 1)
    sheet = read_csv(write(tmp_path, text))
    assert sheet.rows == []
    assert sheet.problems == [
        SheetProblem(None, None, f"The file has more than {MAX_ROWS:,} order lines; split it")
    ]
    exactly = read_csv(write(tmp_path, "order_ref,sku,count\n" + "R,A,1\n" * MAX_ROWS))
    assert (len(exactly.rows), exactly.problems) == (MAX_ROWS, [])


def test_rows_group_into_orders_by_ref_wherever_they_are(tmp_path: Path) -> None:
    text = "order_ref,sku,count\nA,X,1\n,Y,1\nB,X,1\nA,Z,2\n,Y,3\n"
    orders = group_orders(read_csv(write(tmp_path, text)).rows)
    assert [(o.ref, [r.number for r in o.rows]) for o in orders] == [
        ("A", [2, 5]),
        (None, [3]),
        ("B", [4]),
        (None, [6]),
    ]


def test_the_raw_header_and_cells_are_kept_and_the_problems_column_is_read_silently() -> None:
    sheet = read_csv(b"Order Ref;SKU;Count;Ward;problems\n A-1 ;BP-200;1;3B;count: was 0\n;;;;\n")
    assert sheet.separator == ";"
    assert sheet.header == ["Order Ref", "SKU", "Count", "Ward", "problems"]
    assert [p.message for p in sheet.problems] == ["Unknown column “Ward”; it was left out"]
    [row] = sheet.rows
    assert row.cells == {"order_ref": "A-1", "sku": "BP-200", "count": "1"}
    assert row.raw == (" A-1 ", "BP-200", "1", "3B", "count: was 0")


def test_a_header_without_order_ref_is_a_problem_naming_it(tmp_path: Path) -> None:
    # Without it no order of the file could be recognised by a second import.
    sheet = read_csv(write(tmp_path, "patient_id,sku,count\n12,A,1\n"))
    assert sheet.problems == [
        SheetProblem(
            1, None, "No column names the order (order_ref); every order needs its own reference"
        )
    ]


def test_a_problem_says_the_column_as_the_file_names_it() -> None:
    assert (
        str(SheetProblem(1, "enrolled on", "Unknown column"))
        == "Row 1, enrolled on: Unknown column"
    )
    assert str(SheetProblem(None, None, "Split it")) == "File: Split it"


def test_empty_rows_do_not_count_toward_the_row_limit(tmp_path: Path) -> None:
    text = "order_ref,sku,count\n" + "R,A,1\n" * 300 + ",,\n" * MAX_ROWS + "R,B,1\n"
    sheet = read_csv(write(tmp_path, text))
    assert sheet.problems == []
    assert len(sheet.rows) == 301
    assert sheet.rows[-1].number == 302 + MAX_ROWS
