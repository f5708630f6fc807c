"""What the import writes for Excel runs no formula: the summary CSV's texts (the file's
order_ref, Impilo's names and reasons) and the problems column of the rows-with-problems CSV
are made inert; the coordinator's own cells are left exactly as they were."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from impilo_desktop.domain.csv_cells import inert
from impilo_desktop.domain.draft import OrderDraft
from impilo_desktop.domain.order_sheet.drafts import SheetDraft
from impilo_desktop.domain.order_sheet.sheet import SheetProblem, read_csv
from impilo_desktop.store import EntryState
from impilo_desktop.sync.order_import import (
    BatchLine,
    BatchSummary,
    ImportBatch,
    ImportPreview,
    OrderStanding,
    PreviewOrder,
    rows_with_problems,
    summary_csv,
)


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_excel_would_run_gets_an_apostrophe(start: str) -> None:
    assert inert(f"{start}HYPERLINK(1)") == f"'{start}HYPERLINK(1)"


@pytest.mark.parametrize("text", ["", "Doe, Jane (#4821)", "RPM-0001", "a=b", "'=quoted"])
def test_anything_else_is_left_as_it_is(text: str) -> None:
    assert inert(text) == text


def table(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_the_summary_csv_runs_no_formula_from_the_file_or_impilo() -> None:
    batch = ImportBatch("b-1", "orders.csv", datetime(2026, 11, 30, tzinfo=UTC), (1, 2))
    summary = BatchSummary(
        batch,
        [
            BatchLine(1, "=cmd|' /C calc'!A0", "@Doe, Jane", EntryState.REJECTED, None, "+1 bad"),
            BatchLine(2, "RPM-2", "Doe, John (#12)", EntryState.SENT, 4411, None),
        ],
    )
    assert table(summary_csv(summary))[1:] == [
        ["'=cmd|' /C calc'!A0", "'@Doe, Jane", "refused", "", "'+1 bad", "#1"],
        ["RPM-2", "Doe, John (#12)", "placed", "4411", "", "#2"],
    ]


def preview_with(text: str, problems: list[SheetProblem]) -> ImportPreview:
    sheet = read_csv(text.encode())
    rows = tuple(row.number for row in sheet.rows)
    order = SheetDraft(sheet.rows[0].get("order_ref"), rows, OrderDraft(), problems)
    return ImportPreview(
        "orders.csv",
        "csv",
        sheet,
        [PreviewOrder(order, OrderStanding.PROBLEM, recipient="", lines="")],
    )


def test_the_problems_column_is_inert_and_the_coordinators_cells_are_as_they_were() -> None:
    preview = preview_with(
        "order_ref,sku,count,note\n-0042,NOPE,1,=SUM(1)\n",
        [SheetProblem(2, None, "=odd message")],
    )
    assert table(rows_with_problems(preview)) == [
        ["order_ref", "sku", "count", "note", "problems"],
        ["-0042", "NOPE", "1", "=SUM(1)", "'=odd message"],
    ]


def test_a_row_wider_than_its_header_keeps_its_own_cells() -> None:
    preview = preview_with(
        "order_ref,sku,count\nA-1,NOPE,1,my own extra\n",
        [SheetProblem(2, "sku", "No item with the SKU NOPE")],
    )
    out = rows_with_problems(preview)
    assert table(out) == [
        ["order_ref", "sku", "count", "", "problems"],
        ["A-1", "NOPE", "1", "my own extra", "sku: No item with the SKU NOPE"],
    ]
    # Read again: the same row, the extra cell still said, the problems column silent.
    again = read_csv(out)
    assert [row.cells for row in again.rows] == [row.cells for row in preview.sheet.rows]
    assert [p.message for p in again.problems] == [
        "“my own extra” is in a column without a name; left out"
    ]
