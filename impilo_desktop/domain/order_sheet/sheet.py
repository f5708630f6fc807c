"""Rows of an order spreadsheet: the header normalised, the rows kept with their numbers.

The header names the columns case-insensitively, with spaces, hyphens or underscores between
words ("Order Ref", "order-ref" and "ORDER_REF" are all `order_ref`). A column the import does
not know is noted once on row 1 and its cells are left out (EHR exports nearly always have
such columns: a note, not a problem that stops the import); nothing else in the file is lost.
Every row needs an `order_ref`. Row numbers are the ones the coordinator sees in a spreadsheet
program: the header is row 1, the first order line row 2 (a CSV cell holding a line break
still counts as one row, as spreadsheet programs show it). Rows that are entirely empty are
skipped.

A CSV is UTF-8, with or without the BOM Excel writes for "CSV UTF-8". Its separator (comma,
semicolon or tab) is read from the header line, not guessed from the data: notes and
addresses hold commas, and the header names never do. Reading never raises: what cannot be
read is a `SheetProblem`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

RECIPIENT_COLUMNS: tuple[str, ...] = ("patient_id", "patient_external_id", "site_id")
NEW_PATIENT_COLUMNS: tuple[str, ...] = (
    "first_name",
    "last_name",
    "date_of_birth",
    "sex",
    "email",
    "phone",
    "address_line_one",
    "address_line_two",
    "city",
    "state",
    "zip",
)
LINE_COLUMNS: tuple[str, ...] = ("item_id", "sku", "kit_id", "kit_name")
COLUMNS: tuple[str, ...] = (
    "order_ref",
    *RECIPIENT_COLUMNS,
    *NEW_PATIENT_COLUMNS,
    *LINE_COLUMNS,
    "count",
    "shipping_option",
    "note",
)
"""Every column the import reads, in the order the template spreadsheet lists them."""

PROBLEMS_COLUMN = "problems"
"""The column the import writes itself into the file of rows with problems (sync/order_import/
leftovers.py): read silently and left out, so the coordinator imports that file once fixed."""

MAX_ROWS = 10_000
"""More order lines than this are not read (a whole EHR export by mistake); the file is
refused. Empty rows do not count (a workbook formatted far below its last line)."""

HEADER_ROW = 1
_SEPARATORS = (",", ";", "\t")
_WORD_BREAKS = re.compile(r"[\s_\-]+")


@dataclass(frozen=True, slots=True)
class SheetProblem:
    """One thing wrong with the spreadsheet: the row (header = 1; None for the whole file),
    the column (None for the whole row) and a plain-language message. A problem that is not
    `blocking` is a note: something of the file left out (an unknown column, a cell in a
    column without a name) that stops nothing."""

    row: int | None
    column: str | None
    message: str
    blocking: bool = True

    def __str__(self) -> str:
        # The column as the file names it ("enrolled on"): only "Row"/"File" is capitalised.
        where = [f"Row {self.row}" if self.row is not None else "File"]
        if self.column is not None:
            where.append(self.column)
        return f"{', '.join(where)}: {self.message}"


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One order line as the spreadsheet has it: its row number and its known columns' cells
    (trimmed text; an empty cell is absent). `raw` is every cell of the row as the file had
    it, unknown columns included, for writing the row back out (not compared)."""

    number: int
    cells: dict[str, str]
    raw: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def get(self, column: str) -> str:
        """The cell's text, "" when empty or absent."""
        return self.cells.get(column, "")


@dataclass
class Sheet:
    """What a file holds: its rows and the problems of the file itself."""

    rows: list[SheetRow] = field(default_factory=list)
    problems: list[SheetProblem] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # the known columns found, in file order
    # The header row as the file had it (every cell, unknown columns included), and a CSV's
    # separator: what writing rows back out in the file's own shape needs.
    header: list[str] = field(default_factory=list)
    separator: str = ","


@dataclass(frozen=True, slots=True)
class SheetOrder:
    """The rows that form one order: those sharing an `order_ref`, or one row without one
    (a problem: such a row is never queued)."""

    ref: str | None
    rows: tuple[SheetRow, ...]


def normal_column(name: str) -> str:
    """The column a header cell names: "Order Ref " -> "order_ref"."""
    return _WORD_BREAKS.sub("_", name.strip().lower()).strip("_")


def read_csv(data: bytes) -> Sheet:
    """The rows of a CSV file's bytes. Never raises."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Sheet(
            problems=[
                SheetProblem(
                    None,
                    None,
                    "The file is not in UTF-8; in Excel choose Save As > CSV UTF-8",
                )
            ]
        )
    first_line = text.split("\n", 1)[0]
    # The separator the header uses most; a one-column header has none and reads as commas.
    separator = max(_SEPARATORS, key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    table: list[list[str]] = []
    lines = -HEADER_ROW  # order lines read: rows with something in them, after the header
    try:
        for record in reader:
            table.append(record)
            lines += any(cell.strip() for cell in record)
            if lines > MAX_ROWS:
                break  # read_table reports it; the rest need not be parsed
    except csv.Error as exc:  # a runaway field (an unclosed quote) in practice
        return Sheet(
            problems=[
                SheetProblem(
                    len(table) + 1,
                    None,
                    f"This row can't be read ({exc}); nothing was read",
                )
            ]
        )
    sheet = read_table(table)
    sheet.separator = separator
    return sheet


def read_table(table: Iterable[Sequence[str]]) -> Sheet:
    """The rows of a table of texts (a CSV's records, a worksheet's values): the first is the
    header. Never raises."""
    sheet = Sheet()
    rows = iter(table)
    header = next(rows, None)
    if header is None or not any(cell.strip() for cell in header):
        sheet.problems.append(SheetProblem(HEADER_ROW, None, "The first row must name the columns"))
        return sheet
    sheet.header = list(header)
    positions = _header(header, sheet)
    unnamed = {i for i, cell in enumerate(header) if not cell.strip()}
    lines = 0
    for number, cells in enumerate(rows, start=HEADER_ROW + 1):
        if not any(cell.strip() for cell in cells):
            continue  # empty (in a workbook, perhaps formatted): no order line, not counted
        lines += 1
        if lines > MAX_ROWS:
            sheet.rows.clear()
            sheet.problems.append(
                SheetProblem(
                    None, None, f"The file has more than {MAX_ROWS:,} order lines; split it"
                )
            )
            return sheet
        _row(number, cells, positions, len(header), unnamed, sheet)
    return sheet


def _header(header: Sequence[str], sheet: Sheet) -> dict[int, str]:
    """Position -> known column; unknown columns (a note) and repeated ones (a problem) are
    reported on row 1."""
    positions: dict[int, str] = {}
    for position, cell in enumerate(header):
        name = normal_column(cell)
        if not name or name == PROBLEMS_COLUMN:
            # An unnamed column: its cells are reported where they hold something. The
            # problems column: the import's own, from a file of rows with problems.
            continue
        if name not in COLUMNS:
            sheet.problems.append(
                SheetProblem(
                    HEADER_ROW,
                    cell.strip(),
                    f"Unknown column “{cell.strip()}”; it was left out",
                    blocking=False,
                )
            )
        elif name in positions.values():
            sheet.problems.append(
                SheetProblem(
                    HEADER_ROW, name, f"The column {name} appears twice; only the first is read"
                )
            )
        else:
            positions[position] = name
            sheet.columns.append(name)
    if "order_ref" not in positions.values():
        # Without a ref an order cannot be recognised when the file is imported again: it
        # would be queued again every time.
        sheet.problems.append(
            SheetProblem(
                HEADER_ROW,
                None,
                "No column names the order (order_ref); every order needs its own reference",
            )
        )
    if not any(name in positions.values() for name in LINE_COLUMNS):
        sheet.problems.append(
            SheetProblem(
                HEADER_ROW, None, f"No column names what to ship ({', '.join(LINE_COLUMNS)})"
            )
        )
    return positions


def _row(
    number: int,
    cells: Sequence[str],
    positions: dict[int, str],
    width: int,
    unnamed: set[int],
    sheet: Sheet,
) -> None:
    known: dict[str, str] = {}
    for position, cell in enumerate(cells):
        text = cell.strip()
        if not text:
            continue
        name = positions.get(position)
        if name is not None:
            known[name] = text
        elif position >= width or position in unnamed:
            # Something typed where no column is named: said, so it is not silently lost.
            sheet.problems.append(
                SheetProblem(
                    number,
                    None,
                    f"“{text}” is in a column without a name; left out",
                    blocking=False,
                )
            )
    sheet.rows.append(SheetRow(number, known, tuple(cells)))


def group_orders(rows: Iterable[SheetRow]) -> list[SheetOrder]:
    """The orders the rows form, in the order their first rows come: rows with the same
    `order_ref` (trimmed, case as typed) are one order wherever they are in the file; each
    row without a ref is an order of its own, which `drafts` reports (it cannot be queued: a
    second import could not recognise it)."""
    groups: dict[str, list[SheetRow]] = {}
    orders: list[tuple[str | None, list[SheetRow]]] = []
    for row in rows:
        ref = row.get("order_ref")
        if not ref:
            orders.append((None, [row]))
        elif ref in groups:
            groups[ref].append(row)
        else:
            groups[ref] = [row]
            orders.append((ref, groups[ref]))
    return [SheetOrder(ref, tuple(group)) for ref, group in orders]
