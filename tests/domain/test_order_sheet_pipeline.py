"""A whole order spreadsheet, file to request bodies: what is ok converts, nothing raises."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings
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


_CELLS = st.one_of(
    st.sampled_from(["", "100", "101", "7", "MRN-1", "MRN-2", "BP-200", "CUFF-L", "OLD-1", "10",
                     "Twin kit", "1", "0", "999", "overnight", "A", "B", "Jane", "NY", "02134",
                     "4/30/1961", "-1", "1.5", "\uff11"]),  # a full-width 1 is not a count
    st.text(max_size=8),
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    header=st.lists(st.sampled_from([*COLUMNS, "Other"]), min_size=1, max_size=10),
    body=st.lists(st.lists(_CELLS, max_size=12), max_size=8),
)
def test_any_table_gives_drafts_and_problems_never_an_exception(
    header: list[str], body: list[list[str]]
) -> None:
    sheet = read_table([header, *body])
    numbers = {row.number for row in sheet.rows}
    for order in sheet_drafts(sheet, CATALOG, RECIPIENTS):
        assert all(p.row in numbers for p in order.problems)
        assert set(order.rows) <= numbers
        if order.ok:  # what the preview would queue is a valid request
            to_order_create(order.draft, "ref", CATALOG.snapshot)
