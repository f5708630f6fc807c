"""Order spreadsheets made from the sandbox's seed, for the proof tests, the crash test and the
benchmark: every way a row can name its recipient (patient_id, the MRN, a site, a new patient)
and its line (sku, item_id, kit_id, kit_name), written as CSV or as an Excel workbook.

The rows are built from `SeedData` (what the sandbox serves), never from a server's answers,
so a file is the same every run. Only what the sandbox accepts is chosen: active patients and
sites, orderable items in stock, kits that are neither archived nor loaners (a loaner kit has
rules of its own) — a proof file's orders are all placed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from openpyxl import Workbook

from impilo_desktop.domain.order_sheet.sheet import COLUMNS
from impilo_desktop.sandbox import catalog
from impilo_desktop.sandbox.seed import FIRST_ITEM_ID, SeedData, SeedSize

Row = dict[str, str]
RECIPIENT_WAYS = ("patient_id", "patient_external_id", "site_id", "new_patient")
LINE_WAYS = ("sku", "item_id", "kit_id", "kit_name")
LINES_PER_ORDER = 3


def seed() -> SeedData:
    """The standard seed, as a test's `SandboxServer()` serves it (ids, SKUs and MRNs do not
    depend on the day; only birthdays of the seeded history do)."""
    return SeedData(SeedSize.named("standard"))


@dataclass(frozen=True)
class Shippable:
    """An item or a kit a row may name, both ways."""

    kind: str  # "item" or "kit"
    ident: int
    name_or_sku: str


def shippables(data: SeedData) -> tuple[list[Shippable], list[Shippable]]:
    """The items (by SKU) and kits (by name) the sandbox places without a refusal."""
    out_of_stock = {FIRST_ITEM_ID + pos for pos in catalog.OUT_OF_STOCK}
    items = [
        Shippable("item", item.id, item.sku)
        for item in data.items.values()
        if item.orderable and item.id not in out_of_stock
    ]
    kits = [
        Shippable("kit", kit.id, kit.name)
        for kit in data.kits.values()
        if not kit.archived
        and not kit.loaner
        and not any(iid in out_of_stock for iid, _ in kit.lines)
    ]
    return items, kits


def active_patients(data: SeedData) -> list[int]:
    return [p.id for p in data.patients.values() if not p.archived]


def active_sites(data: SeedData) -> list[int]:
    return [s.id for s in data.sites.values() if s.active]


@dataclass(frozen=True)
class OrderSheet:
    """The rows of a file and what its preview must count."""

    rows: list[Row]
    refs: list[str]  # the order refs, in file order

    @property
    def orders(self) -> int:
        return len(self.refs)

    @property
    def units(self) -> int:
        return sum(int(row["count"]) for row in self.rows)

    def with_rows(self, more: OrderSheet) -> OrderSheet:
        """This file with `more`'s orders added at the end (an edited copy)."""
        return OrderSheet([*self.rows, *more.rows], [*self.refs, *more.refs])


def order_sheet(
    data: SeedData, *, orders: int = 100, prefix: str = "PROOF", first: int = 0
) -> OrderSheet:
    """`orders` orders of `LINES_PER_ORDER` rows each, refs `<prefix>-0001`... Order n goes to
    the recipient way n % 4 and names its lines in turn each of the four ways. Order `first`
    is number `first` of the series, so an edited copy can add orders 100-129 to 0-99 without
    repeating a patient. The first order's last row is moved to the end of the file: rows with
    the same ref form one order wherever they are."""
    items, kits = shippables(data)
    patients, sites = active_patients(data), active_sites(data)
    rows: list[Row] = []
    refs: list[str] = []
    moved: Row | None = None
    for n in range(first, first + orders):
        ref = f"{prefix}-{n + 1:04d}"
        refs.append(ref)
        recipient = _recipient(data, RECIPIENT_WAYS[n % 4], n, patients, sites, prefix)
        for line in range(LINES_PER_ORDER):
            way = LINE_WAYS[(n + line) % 4]
            pool = items if way in ("sku", "item_id") else kits
            thing = pool[(n * LINES_PER_ORDER + line) % len(pool)]
            row: Row = {"order_ref": ref, "count": str(1 + (n + line) % 3)}
            if line == 0:
                row.update(recipient)  # later rows leave the recipient to the first
            if way in ("sku", "kit_name"):
                row[way] = thing.name_or_sku
            else:
                row[way] = str(thing.ident)
            if line == 0 and n % 10 == 0:
                row["shipping_option"] = "overnight"
            if line == 1 and n % 7 == 0:
                row["note"] = f"Enrolled in the remote-monitoring programme ({ref})"
            rows.append(row)
        if n == first and orders > 1:
            moved = rows.pop()
    if moved is not None:
        rows.append(moved)
    return OrderSheet(rows, refs)


def _recipient(
    data: SeedData, way: str, n: int, patients: Sequence[int], sites: Sequence[int], prefix: str
) -> Row:
    if way == "patient_id":
        return {"patient_id": str(patients[n])}
    if way == "patient_external_id":
        return {"patient_external_id": data.patients[patients[n]].external_identifier}
    if way == "site_id":
        return {"site_id": str(sites[n % len(sites)])}
    return new_patient_cells(prefix, n)


def new_patient_cells(prefix: str, n: int) -> Row:
    """A person Impilo does not have yet: a name, date of birth and US address of their own
    (an email unique to the prefix and n, so the sender's duplicate check finds nobody)."""
    return {
        "first_name": "Proof",
        "last_name": f"{prefix.title()}{n:04d}",
        "date_of_birth": f"19{40 + n % 50}-{1 + n % 12:02d}-{1 + n % 28:02d}",
        "sex": "female" if n % 2 else "male",
        "email": f"proof.{prefix.lower()}.{n}@example.org",
        "phone": f"555-01{n % 100:02d}-{n:04d}"[:12],
        "address_line_one": f"{100 + n} Main St",
        "address_line_two": f"Apt {n % 40 + 1}" if n % 3 else "",
        "city": "Albany",
        "state": "NY",
        "zip": "12207",
    }


# -- writing files --------------------------------------------------------------------------


def header(rows: Iterable[Row]) -> list[str]:
    """Every column the import reads that the rows use, in the template's order."""
    used = {column for row in rows for column in row}
    return [column for column in COLUMNS if column in used]


def csv_bytes(rows: Sequence[Row], columns: Sequence[str] | None = None) -> bytes:
    """The rows as a CSV as Excel saves "CSV UTF-8": a BOM, CRLF line ends."""
    columns = list(columns) if columns is not None else header(rows)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def xlsx_bytes(rows: Sequence[Row], columns: Sequence[str] | None = None) -> bytes:
    """The rows as an Excel workbook, numbers as numbers (as an EHR export writes ids and
    counts), with the header in Title Case as people type it."""
    columns = list(columns) if columns is not None else header(rows)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Orders"
    sheet.append([column.replace("_", " ").title() for column in columns])
    for row in rows:
        sheet.append([_cell(column, row.get(column, "")) for column in columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


_NUMBER_COLUMNS = {"patient_id", "site_id", "item_id", "kit_id", "count"}


def _cell(column: str, text: str) -> str | int | None:
    if not text:
        return None
    if column in _NUMBER_COLUMNS and text.isdigit():
        return int(text)
    return text


# -- a file with every kind of row problem ---------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """A problem the preview must show: on this row and column, its message naming `says`."""

    row: int
    column: str
    says: str
    ref: str


def row_index(rows: Sequence[Row], ref: str, line: int) -> int:
    """Where the `line`-th row (0-based) of order `ref` is in `rows`."""
    return [i for i, row in enumerate(rows) if row["order_ref"] == ref][line]


def with_problems(sheet: OrderSheet, data: SeedData) -> tuple[OrderSheet, list[Expected]]:
    """A copy of a 100-order `order_sheet` with one kind of row problem in each of 16 orders,
    and where each must be reported (the header is row 1, so row = index + 2)."""
    rows = [dict(row) for row in sheet.rows]
    patients = active_patients(data)
    other_mrn = data.patients[patients[99]].external_identifier
    expected: list[Expected] = []

    def change(n: int, line: int, cells: Row, column: str, says: str) -> None:
        ref = sheet.refs[n]
        index = row_index(rows, ref, line)
        for key, value in cells.items():
            if value:
                rows[index][key] = value
            else:
                rows[index].pop(key, None)
        expected.append(Expected(index + 2, column, says, ref))

    # Order n names its recipient the way n % 4 (id, MRN, site, new) and its first line the
    # way n % 4 (sku, item_id, kit_id, kit_name); each change below fits its order.
    change(4, 0, {"sku": "IMP-XXX-9999"}, "sku", "IMP-XXX-9999")  # unknown SKU
    change(8, 0, {"patient_id": "9999999"}, "patient_id", "9999999")  # unknown patient
    change(5, 0, {"patient_external_id": "MRN-000000"}, "patient_external_id", "MRN-000000")
    change(6, 0, {"site_id": "99999"}, "site_id", "99999")  # unknown site
    # One patient named two ways on one row (by id and by another patient's MRN).
    change(12, 0, {"patient_external_id": other_mrn}, "patient_external_id", "more than one way")
    change(16, 1, {"count": "0"}, "count", "1 to 999")  # counts out of range
    change(20, 2, {"count": "1000"}, "count", "1 to 999")
    change(24, 1, {"count": "two"}, "count", "whole number")
    change(7, 0, {"city": ""}, "city", "city")  # a new patient's missing address field
    change(11, 0, {"zip": "1220"}, "zip", "ZIP")
    change(13, 0, {"item_id": "99999"}, "item_id", "99999")  # unknown item id
    change(15, 0, {"kit_name": "No Such Kit"}, "kit_name", "No Such Kit")  # unknown kit name
    change(17, 0, {"item_id": "1012"}, "item_id", "be ordered")  # discontinued item
    change(14, 0, {"kit_id": "511"}, "kit_id", "archived")  # an archived kit
    change(18, 0, {"shipping_option": "by pigeon"}, "shipping_option", "by pigeon")
    # A later row of an order naming another recipient than its first row.
    change(21, 1, {"patient_id": str(patients[98])}, "patient_id", "different recipient")
    return OrderSheet(rows, list(sheet.refs)), sorted(expected, key=lambda e: e.row)
