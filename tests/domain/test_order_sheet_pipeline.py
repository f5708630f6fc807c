"""A whole order spreadsheet, file to request bodies: what is ok converts, nothing raises."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from impilo_desktop.domain import to_order_create
from impilo_desktop.domain.order_sheet.drafts import sheet_drafts
from impilo_desktop.domain.order_sheet.sheet import COLUMNS, read_table
from impilo_desktop.domain.order_sheet.xlsx import read_order_sheet
from tests.domain.test_order_sheet_drafts import CATALOG, RECIPIENTS


def test_an_xlsx_of_three_orders_becomes_request_bodies(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    rows: list[list[Any]] = [
        ["Order Ref", "Patient ID", "First Name", "Last Name", "Address Line One", "City",
         "State", "ZIP", "SKU", "Kit Name", "Count", "Shipping Option"],
        ["HTN-1", 100, None, None, None, None, None, None, "BP-200", None, 1, "overnight"],
        ["HTN-1", None, None, None, None, None, None, None, "CUFF-L", None, 2, None],
        ["NEW-1", None, "Jane", "Doe", "1 Main St", "Boston", "MA", 2134, None,
         "Hypertension starter", 1, None],
        ["BAD-1", 100, None, None, None, None, None, None, "NOPE", None, 1, None],
    ]  # fmt: skip
    for row in rows:
        sheet.append(row)
    path = tmp_path / "enrolment.xlsx"
    book.save(path)

    orders = sheet_drafts(read_order_sheet(path.read_bytes()), CATALOG, RECIPIENTS)
    assert [(o.ref, o.rows, o.ok, o.units) for o in orders] == [
        ("HTN-1", (2, 3), True, 3),
        ("NEW-1", (4,), True, 1),
        ("BAD-1", (5,), False, 0),
    ]
    first = to_order_create(orders[0].draft, "ref-1", CATALOG.snapshot).to_wire()
    assert first["patient"]["id"] == 100
    assert first["externalOrderIds"] == ["HTN-1", "ref-1"]
    assert [(line["item"]["id"], line["count"]) for line in first["orderItems"]] == [(1, 1), (2, 2)]
    assert first["shippingOption"] == "overnight"
    second = to_order_create(orders[1].draft, "ref-2", CATALOG.snapshot).to_wire()
    assert second["patient"]["address"]["zipCode"] == "02134"
    assert second["orderKits"] == [{"kit": {"id": 10}, "count": 1}]
    assert [str(p) for p in orders[2].problems] == [
        "Row 5, sku: No item with the SKU NOPE in the catalog on this computer; check it, or "
        "refresh the lists"
    ]


# Mostly values the test catalog and recipients know, on the columns they belong to, so many
# orders come out ok; any column may also hold any of them, or any text.
_GOOD: dict[str, list[str]] = {
    "order_ref": ["A", "B", "C"],
    "patient_id": ["100", "101"],
    "patient_external_id": ["MRN-1", "MRN-2"],
    "site_id": ["7"],
    "sku": ["BP-200", "CUFF-L", "OLD-1"],
    "kit_name": ["Hypertension starter", "Twin kit"],
    "kit_id": ["10", "13"],
    "count": ["1", "2", "999", "0", "-1", "1.5", "\uff11"],  # a full-width 1 is not a count
    "shipping_option": ["standard", "overnight"],
    "first_name": ["Jane"],
    "zip": ["02134"],
}
_ANY_CELL = st.one_of(st.sampled_from(sorted({v for vs in _GOOD.values() for v in vs})),
                      st.text(max_size=8))  # fmt: skip


def _cells(column: str) -> st.SearchStrategy[str]:
    good = st.sampled_from(["", *_GOOD.get(column, [])])
    return st.one_of(*[good] * 9, _ANY_CELL)  # one cell in ten anything at all


@st.composite
def _tables(draw: st.DrawFn) -> list[list[str]]:
    extra = draw(st.lists(st.sampled_from([*COLUMNS, "Other"]), max_size=6))
    header = draw(st.permutations(["order_ref", "patient_id", "sku", "count", *extra]))
    rows = draw(st.lists(st.tuples(*(_cells(c) for c in header)), max_size=8))
    return [header, *(list(row) for row in rows)]


@settings(max_examples=200, deadline=None)
@given(_tables())
def test_any_table_gives_drafts_and_problems_never_an_exception(table: list[list[str]]) -> None:
    sheet = read_table(table)
    numbers = {row.number for row in sheet.rows}
    for order in sheet_drafts(sheet, CATALOG, RECIPIENTS):
        assert all(p.row in numbers for p in order.problems)
        assert set(order.rows) <= numbers
        if order.ok:  # what the preview would queue is a valid request
            event("an ok order")
            to_order_create(order.draft, "ref", CATALOG.snapshot)
