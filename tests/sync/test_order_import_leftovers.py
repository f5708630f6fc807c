"""rows_with_problems: the rows left out, in the file's own shape, with what is wrong on each;
read again, they are the same rows."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest
from openpyxl import Workbook, load_workbook

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.domain.order_sheet.xlsx import XLSX_MAGIC, read_order_sheet
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.store import Store
from impilo_desktop.sync.order_import import (
    build_preview,
    rows_with_problems,
    rows_with_problems_name,
)
from tests.sync.order_import_helpers import cached_lists_client

pytestmark = pytest.mark.anyio


@pytest.fixture
async def client(sandbox: SandboxServer, store: Store) -> AsyncIterator[ImpiloClient]:
    async with cached_lists_client(sandbox, store) as opened:
        yield opened


# Semicolons (a European Excel's CSV), a column the import does not know, an order whose
# second row is wrong, an unknown SKU, and a good order between them.
CSV = (
    "Order Ref;Patient ID;SKU;Count;Clinic note\r\n"
    "A-1;10001;IMP-CIR-1001;1;first visit\r\n"
    "A-1;;IMP-CIR-1015;0;cuff, large\r\n"
    "OK-1;10002;IMP-CIR-1001;1;\r\n"
    "B-1;10003;NOPE;1; keep spaces \r\n"
)


async def test_a_csv_comes_back_as_a_csv_with_its_separator_and_columns(
    store: Store, client: ImpiloClient
) -> None:
    preview = await build_preview(CSV.encode(), "enrolment.csv", store, client)
    out = rows_with_problems(preview)
    assert rows_with_problems_name(preview) == "enrolment - rows with problems.csv"

    assert out.startswith(b"\xef\xbb\xbf")
    lines = out.decode("utf-8-sig").split("\r\n")
    assert lines[0] == "Order Ref;Patient ID;SKU;Count;Clinic note;problems"
    assert (
        lines[1]
        == "A-1;10001;IMP-CIR-1001;1;first visit;Not queued: order A-1 has problems on row 3"
    )
    assert (
        lines[2] == "A-1;;IMP-CIR-1015;0;cuff, large;count: The count must be from 1 to 999, not 0"
    )
    assert lines[3].startswith('B-1;10003;NOPE;1; keep spaces ;"sku: No item with the SKU NOPE')
    assert lines[4:] == [""]

    again = read_order_sheet(out)
    original = read_order_sheet(CSV.encode())
    assert [row.cells for row in again.rows] == [
        row.cells for row in original.rows if row.number in (2, 3, 5)
    ]
    # The import's own column is read silently; the file's unknown column is said as before.
    assert [str(p) for p in again.problems] == [str(p) for p in original.problems]


async def test_an_xlsx_comes_back_as_an_xlsx_with_every_cell_text(
    store: Store, client: ImpiloClient
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for cells in (
        ["order_ref", "first_name", "last_name", "address_line_one", "city", "state", "zip",
         "sku", "count", "Extra"],
        ["N-1", "Ana", "Silva", "1 Main St", "Boston", "Mass", 2134, "IMP-CIR-1001", 1, "=1+1"],
        ["N-2", "Bo", "Li", "2 Main St", "Boston", "Mass", "02134", "IMP-CIR-1001", 1, None],
    ):  # fmt: skip
        sheet.append(cells)
    sheet["J2"].data_type = "s"  # typed as text in Excel: "=1+1" is a value, not a formula
    file = io.BytesIO()
    book.save(file)
    preview = await build_preview(file.getvalue(), "new.xlsx", store, client)
    assert [o.ref for o in preview.problem_orders] == ["N-1", "N-2"]  # "Mass" is not a state code

    out = rows_with_problems(preview)
    assert out.startswith(XLSX_MAGIC)
    assert rows_with_problems_name(preview) == "new - rows with problems.xlsx"
    written = load_workbook(io.BytesIO(out)).worksheets[0]
    rows = [[cell.value for cell in row] for row in written.iter_rows()]
    assert rows[0][-1] == "problems"
    assert rows[1][:10] == [
        "N-1", "Ana", "Silva", "1 Main St", "Boston", "Mass", "02134", "IMP-CIR-1001", "1", "=1+1"
    ]  # fmt: skip
    assert written["J2"].data_type == "s"
    assert written["G3"].value == "02134"
    assert str(rows[1][-1]).startswith("state: ")
    again = read_order_sheet(out)
    assert [row.cells for row in again.rows] == [row.cells for row in preview.sheet.rows]


async def test_a_file_of_leftovers_gets_its_problems_column_rewritten(
    store: Store, client: ImpiloClient
) -> None:
    first = rows_with_problems(await build_preview(CSV.encode(), "a.csv", store, client))
    second = rows_with_problems(await build_preview(first, "a-problems.csv", store, client))
    assert second == first
