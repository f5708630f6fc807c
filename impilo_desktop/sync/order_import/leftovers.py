"""`rows_with_problems`: the rows of the orders left out, in the file's own shape, with a last
column saying what is wrong on each, so the coordinator fixes them and imports that file.

The header and every cell are as the file had them (unknown columns kept); the `problems`
column is the import's own and is read silently (domain/order_sheet/sheet.py), so the fixed
file imports without a word about it. A file that already has one (a file of leftovers
imported again) gets it rewritten in place. CSV in, CSV out (UTF-8 with the BOM Excel wants,
the file's own separator); XLSX in, XLSX out, every cell text (a ZIP code or an id keeps its
leading zeros and is not turned into a number).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import PurePath

from impilo_desktop.domain.csv_cells import inert
from impilo_desktop.domain.order_sheet.sheet import (
    PROBLEMS_COLUMN,
    SheetProblem,
    SheetRow,
    normal_column,
)
from impilo_desktop.sync.order_import.contract import ImportPreview, PreviewOrder

TEXT_FORMAT = "@"  # Excel's "Text" number format: what is typed in later stays text too


def rows_with_problems(preview: ImportPreview) -> bytes:
    """The rows of the preview's orders with problems, as a file of the preview's kind: the
    header as the file had it, each row as it was (unknown columns kept), and a last column
    `problems` saying what is wrong on that row."""
    header = list(preview.sheet.header)
    by_number = {row.number: row for row in preview.sheet.rows}
    rows = _rows(preview.problem_orders, by_number)
    names = [normal_column(cell) for cell in header]
    if PROBLEMS_COLUMN in names:
        at = names.index(PROBLEMS_COLUMN)
    else:
        # After the widest row, not just the header: a row wider than its header keeps its
        # own extra cells (under no name, as in the file) and none is written over.
        at = max([len(header), *(len(row.raw) for row, _ in rows)])
        header += [""] * (at - len(header)) + [PROBLEMS_COLUMN]
    table = [header]
    for row, said in rows:
        cells = list(row.raw) + [""] * max(0, len(header) - len(row.raw))
        # The problems are ours (they quote the file's cells and Impilo's words): made inert
        # in a CSV, so Excel runs none as a formula. The coordinator's own cells are left
        # exactly as they were: theirs to fix and import again, and changing one (an
        # order_ref "-0042") would change the order. An XLSX's cells are all text anyway.
        cells[at] = inert(said) if preview.kind == "csv" else said
        table.append(cells)
    if preview.kind == "xlsx":
        return _xlsx(table)
    return _csv(table, preview.sheet.separator)


def rows_with_problems_name(preview: ImportPreview) -> str:
    """A name for that file beside the original: "enrolment.csv" -> "enrolment - rows with
    problems.csv" (the preview's kind decides the extension; the window and the command line
    offer it, the coordinator may change it)."""
    stem = PurePath(preview.file_name).stem or "orders"
    return f"{stem} - rows with problems.{preview.kind}"


def _rows(
    orders: Sequence[PreviewOrder], by_number: dict[int, SheetRow]
) -> list[tuple[SheetRow, str]]:
    """Each row of these orders with what is wrong on it, in file order."""
    found: list[tuple[SheetRow, str]] = []
    for order in orders:
        for row in (by_number[number] for number in order.rows if number in by_number):
            own = [p for p in order.problems if p.row == row.number]
            found.append((row, _said(own) if own else _elsewhere(order)))
    return sorted(found, key=lambda pair: pair[0].number)


def _said(problems: Sequence[SheetProblem]) -> str:
    return "; ".join(
        f"{p.column}: {p.message}" if p.column is not None else p.message for p in problems
    )


def _elsewhere(order: PreviewOrder) -> str:
    rows = sorted({p.row for p in order.problems if p.row is not None})
    where = ", ".join(str(r) for r in rows)
    ref = f"order {order.ref}" if order.ref else "this order"
    return f"Not queued: {ref} has problems on row {where}" if rows else "Not queued"


def _csv(table: Sequence[Sequence[str]], separator: str) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=separator, lineterminator="\r\n")
    writer.writerows(table)
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def _xlsx(table: Sequence[Sequence[str]]) -> bytes:
    # openpyxl takes a tenth of a second to import: only when a spreadsheet is written, not
    # with this package (the window's import commands load it at start).
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has its one sheet
    sheet.title = "Rows with problems"
    for values in table:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", value) for value in values])
    for row in sheet.iter_rows():
        for cell in row:
            # Text, always: a cell that starts with "=" was a value in the file, and must
            # not become a formula in ours.
            if cell.value is not None:
                cell.data_type = "s"
            cell.number_format = TEXT_FORMAT
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
