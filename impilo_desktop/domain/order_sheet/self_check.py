"""For `--self-test`: order spreadsheets can be read in this build. openpyxl is imported only by
the XLSX reader, so a bundle that lost it (or a part of it PyInstaller did not see) would fail
only when a coordinator imports a workbook; the self-test fails instead."""

from __future__ import annotations

import io

SAMPLE_HEADER = ("Order Ref", "Site ID", "SKU", "Count", "ZIP")
SAMPLE_ROW = ("SELF-TEST-1", 101, "IMP-CIR-1002", 2, 2134)  # a ZIP Excel stored as a number
EXPECTED_CELLS = {
    "order_ref": "SELF-TEST-1",
    "site_id": "101",
    "sku": "IMP-CIR-1002",
    "count": "2",
    "zip": "02134",
}


def self_check() -> str:
    """Write a small workbook with openpyxl and read it back as the import does; raise
    RuntimeError when anything differs."""
    import openpyxl

    from impilo_desktop.domain.order_sheet.xlsx import read_order_sheet

    book = openpyxl.Workbook()
    sheet = book.active
    if sheet is None:
        raise RuntimeError("openpyxl made a workbook without a worksheet")
    sheet.append(SAMPLE_HEADER)
    sheet.append(SAMPLE_ROW)
    out = io.BytesIO()
    book.save(out)
    read = read_order_sheet(out.getvalue())
    if read.problems:
        raise RuntimeError(f"a workbook could not be read: {read.problems[0]}")
    cells = [row.cells for row in read.rows]
    if cells != [EXPECTED_CELLS]:
        raise RuntimeError(f"a workbook read as {cells!r}")
    return f"openpyxl {openpyxl.__version__}: a workbook written and read back"
