"""The orders of a spreadsheet as drafts, each problem on the row and column it comes from.

One row is one order line; the rows of an order (same `order_ref`) make one draft, and the ref
becomes one of its external order ids. Every row needs its ref (the way a second import knows
the order is already placed). Each row names:

- the recipient, one way: `patient_id`, `patient_external_id` (MRN), `site_id`, or a new
  patient's columns. Later rows of an order may leave the recipient empty; if they name it,
  it must be the same one (a patient named by id on one row and by MRN on another is the same
  when both find the same patient).
- what to ship, one way: `item_id`, `sku`, `kit_id` or `kit_name`, and its `count`.
- optionally `shipping_option` (the same on every row that gives it) and a `note` (a note
  repeated on every row is kept once).

The file's own problems (an unknown SKU, a recipient named two ways, a count out of range...)
come first; then the draft's validation (`validate_draft`, the rules the order form applies:
a new patient's missing address field, an item that cannot be ordered...), mapped back to the
row and column that hold the value. Pure: the catalog and the recipients are arguments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from impilo_desktop.api.models import ShippingOption
from impilo_desktop.domain.draft import OrderDraft
from impilo_desktop.domain.order_sheet.lookups import SheetCatalog
from impilo_desktop.domain.order_sheet.matching import (
    RecipientLookup,
    RowRecipient,
    count_of,
    item_of,
    kit_of,
    or_list,
    recipient_of,
)
from impilo_desktop.domain.order_sheet.sheet import (
    LINE_COLUMNS,
    NEW_PATIENT_COLUMNS,
    Sheet,
    SheetOrder,
    SheetProblem,
    SheetRow,
    group_orders,
)
from impilo_desktop.domain.validation import validate_draft

RECIPIENT_HELP = "patient_id, patient_external_id, site_id, or a new patient's name and address"

# Where a new patient's problem (validation's key) is in the spreadsheet.
_NEW_PATIENT_CELLS: dict[str, str] = {
    "new_patient.first_name": "first_name",
    "new_patient.last_name": "last_name",
    "new_patient.date_of_birth": "date_of_birth",
    "new_patient.sex": "sex",
    "new_patient.email": "email",
    "new_patient.phone_number": "phone",
    "new_patient.address.line_one": "address_line_one",
    "new_patient.address.line_two": "address_line_two",
    "new_patient.address.city": "city",
    "new_patient.address.state": "state",
    "new_patient.address.zip_code": "zip",
}
_ID_COLUMNS = ("patient_id", "patient_external_id", "site_id")
_LINE_KEY = re.compile(r"(item_lines|kit_lines)\[(\d+)\](?:\.(\w+))?")
_NOTE_KEY = re.compile(r"notes\[(\d+)\]")


@dataclass
class SheetDraft:
    """One order of the spreadsheet: its ref, its rows, the draft they make and its problems."""

    ref: str | None
    rows: tuple[int, ...]
    draft: OrderDraft
    problems: list[SheetProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the order can be queued as it is."""
        return not self.problems

    @property
    def units(self) -> int:
        """How many things the order ships (the sum of its line counts)."""
        return sum(ln.count for ln in self.draft.item_lines) + sum(
            ln.count for ln in self.draft.kit_lines
        )


def sheet_drafts(
    sheet: Sheet, catalog: SheetCatalog, recipients: RecipientLookup
) -> list[SheetDraft]:
    """Every order of the sheet as a draft with its problems, in file order. Never raises."""
    return [order_draft(order, catalog, recipients) for order in group_orders(sheet.rows)]


# -- one order ------------------------------------------------------------------------------


@dataclass
class _Order:
    order: SheetOrder
    catalog: SheetCatalog
    recipients: RecipientLookup
    draft: OrderDraft = field(default_factory=OrderDraft)
    problems: list[SheetProblem] = field(default_factory=list)
    # Where each draft value came from, to put validation's problems on their cells.
    recipient: RowRecipient | None = None
    recipient_row: int | None = None
    recipient_cells: dict[str, str] = field(default_factory=dict)
    item_rows: list[tuple[int, str]] = field(default_factory=list)
    kit_rows: list[tuple[int, str]] = field(default_factory=list)
    note_rows: list[int] = field(default_factory=list)
    shipping_row: int | None = None
    # The file's own problems already explain the recipient / the lines: validation's
    # generic "choose a patient" or "the order has no lines" would only repeat them.
    recipient_problem: bool = False
    line_problem: bool = False

    def problem(self, row: int, column: str | None, message: str) -> None:
        self.problems.append(SheetProblem(row, column, message))

    @property
    def first_row(self) -> int:
        return self.order.rows[0].number


def order_draft(
    order: SheetOrder, catalog: SheetCatalog, recipients: RecipientLookup
) -> SheetDraft:
    """The draft one order's rows make, with every problem. Never raises."""
    work = _Order(order, catalog, recipients)
    if order.ref:
        work.draft.external_order_ids.append(order.ref)
    else:
        # The ref is how a second import of the file knows the order is already placed:
        # without one it would be queued again every time.
        work.problem(
            work.first_row,
            "order_ref",
            "Fill in the order_ref: the same one on every row of the order, a new one per order",
        )
    try:
        for row in order.rows:
            _row_recipient(work, row)
            _row_line(work, row)
            _row_extras(work, row)
        if work.recipient is None:
            work.problem(work.first_row, None, f"No recipient: fill in {RECIPIENT_HELP}")
        _validation(work)
    except Exception:  # defence in depth: a bug here must not lose the rest of the file
        work.problem(work.first_row, None, "This order could not be read; check its rows")
    work.draft.touch()
    rows = tuple(row.number for row in order.rows)
    # Row by row, as the coordinator reads the file; the file's own problems first on a row.
    in_rows = sorted(work.problems, key=lambda p: p.row or 0)
    return SheetDraft(order.ref, rows, work.draft, in_rows)


# -- the recipient --------------------------------------------------------------------------


def _row_recipient(work: _Order, row: SheetRow) -> None:
    ways = [c for c in _ID_COLUMNS if row.get(c)]
    typed = [c for c in NEW_PATIENT_COLUMNS if row.get(c)]
    if typed:
        ways.append(typed[0])
    if not ways:
        return  # a later row of the order, leaving the recipient to the first
    before = len(work.problems)
    if len(ways) > 1:
        shown = " and ".join(w if w in _ID_COLUMNS else "a new patient's details" for w in ways)
        work.problem(
            row.number, ways[1], f"The recipient is named more than one way ({shown}); keep one"
        )
        found = RowRecipient(("several", row.number), ways[0])
    else:
        found = recipient_of(row, ways[0], work.recipients, work.problem)
    if work.recipient is None:
        work.recipient_problem = len(work.problems) > before
        work.recipient, work.recipient_row, work.recipient_cells = found, row.number, row.cells
        if not found.apply(work.draft):
            work.draft.set_patient(None)  # no recipient: validation has nothing to add
    elif found.key != work.recipient.key and "several" not in (found.key[0], work.recipient.key[0]):
        # For a new patient, the first cell that differs (a typo in one address line).
        column = (
            next(
                (c for c in NEW_PATIENT_COLUMNS if row.get(c) != work.recipient_cells.get(c, "")),
                found.column,
            )
            if found.new_patient is not None
            else found.column
        )
        work.problem(
            row.number,
            column,
            f"This row names a different recipient than row {work.recipient_row}; "
            "the rows of one order go to one recipient",
        )


# -- the line -------------------------------------------------------------------------------


def _row_line(work: _Order, row: SheetRow) -> None:
    named = [c for c in LINE_COLUMNS if row.get(c)]
    count = count_of(row, work.problem)
    if not named:
        work.line_problem = True
        work.problem(
            row.number, None, f"Nothing to ship on this row: fill in {or_list(LINE_COLUMNS)}"
        )
        return
    if len(named) > 1:
        work.line_problem = True
        work.problem(
            row.number,
            named[1],
            f"This row names what to ship more than one way ({' and '.join(named)}); keep one",
        )
        return
    column = named[0]
    if column in ("item_id", "sku"):
        added = item_of(row, column, work.catalog, work.problem)
    else:
        added = kit_of(row, column, work.catalog, work.problem)
    if added is None or count is None:
        work.line_problem = True
        return
    kind, ident, name, sku = added.kind, added.ident, added.name, added.sku
    lines = work.draft.item_lines if kind == "item" else work.draft.kit_lines
    where = work.item_rows if kind == "item" else work.kit_rows
    index = work.draft.find_item(ident) if kind == "item" else work.draft.find_kit(ident)
    if index is not None:
        work.line_problem = True
        work.problem(
            row.number,
            column,
            f"{name or f'This {kind}'} is already on row {where[index][0]} of this order; "
            "put the whole count on one row",
        )
        return
    if kind == "item":
        work.draft.add_item(ident, count, name=name, sku=sku)
    else:
        work.draft.add_kit(ident, count, name=name)
    assert len(lines) == len(where) + 1
    where.append((row.number, column))


# -- shipping and notes ---------------------------------------------------------------------


def _row_extras(work: _Order, row: SheetRow) -> None:
    text = row.get("shipping_option")
    if text:
        wanted = "_".join(text.lower().split())
        options = {option.value: option for option in ShippingOption}
        if wanted not in options:
            work.problem(
                row.number,
                "shipping_option",
                f"Shipping option {text} is not one of {or_list(tuple(options))}",
            )
        elif work.shipping_row is None:
            work.draft.shipping_option = options[wanted]
            work.shipping_row = row.number
        elif work.draft.shipping_option != options[wanted]:
            work.problem(
                row.number,
                "shipping_option",
                f"Row {work.shipping_row} of this order ships "
                f"{work.draft.shipping_option}; one order has one shipping option",
            )
    note = row.get("note")
    if note and note not in work.draft.notes:
        work.draft.notes.append(note)
        work.note_rows.append(row.number)


# -- the draft's own rules, on their cells ---------------------------------------------------


def _validation(work: _Order) -> None:
    taken = {(p.row, p.column) for p in work.problems}
    for problem in validate_draft(work.draft, work.catalog.snapshot):
        section = problem.section
        row: int
        column: str | None
        if section in ("recipient", "new_patient"):
            if work.recipient is None or work.recipient_problem:
                continue
            row = work.recipient_row or work.first_row
            column = _NEW_PATIENT_CELLS.get(problem.field, work.recipient.column)
        elif section == "lines" and work.line_problem:
            continue
        else:
            row, column = _cell(work, problem.field)
        if (row, column) not in taken:
            work.problem(row, column, problem.message)


def _cell(work: _Order, key: str) -> tuple[int, str | None]:
    line = _LINE_KEY.fullmatch(key)
    if line:
        where = work.item_rows if line.group(1) == "item_lines" else work.kit_rows
        index = int(line.group(2))
        if index < len(where):
            row, column = where[index]
            return row, "count" if line.group(3) == "count" else column
    note = _NOTE_KEY.fullmatch(key)
    if note and int(note.group(1)) < len(work.note_rows):
        return work.note_rows[int(note.group(1))], "note"
    if key.startswith("external_order_ids"):
        return work.first_row, "order_ref"
    if key == "shipping_option":
        return work.shipping_row or work.first_row, "shipping_option"
    return work.first_row, None
