"""What one row's cells name, matched against the catalog and the cached recipients.

Each function reads one thing (the recipient, the item or kit, the count) and says what it
cannot match through `report(row, column, message)`, so the caller gathers every problem of a
row at once. The rules of the whole order (rows agreeing, one line per item) are in `drafts`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol

from impilo_desktop.domain.draft import OrderDraft, PatientChoice, SiteChoice
from impilo_desktop.domain.new_patient import NewPatient, UsAddress
from impilo_desktop.domain.order_sheet.lookups import SheetCatalog
from impilo_desktop.domain.order_sheet.sheet import SheetRow
from impilo_desktop.domain.validation import MAX_COUNT

Report = Callable[[int, str | None, str], None]
"""Where a problem goes: the row number, the column (None: the whole row), the message."""

_WHOLE_NUMBER = re.compile(r"([+-]?[0-9]+)(?:\.0+)?")
MAX_ID = 2**63 - 1
"""The largest id Impilo has (its ids are int64 in the API's spec); SQLite's integers are the
same size, so a larger one could not even be looked up."""
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


class RecipientLookup(Protocol):
    """The patients and sites rows are matched against (`CachedRecipients`, or the store)."""

    def patient(self, patient_id: int) -> PatientChoice | None: ...

    def patients_with_external_id(self, external_id: str) -> list[PatientChoice]: ...

    def site(self, site_id: int) -> SiteChoice | None: ...

    def unknown(self, column: str, value: str) -> str | None:
        """What to say of the recipient `value` in `column` that it does not have, when it
        knows more than "not on this computer" (Impilo was asked, or could not be); None for
        the plain message."""
        ...


@dataclass(frozen=True)
class RowRecipient:
    """What one row says about the recipient: `key` compares rows (two rows naming the same
    patient by id and by MRN have the same key); `apply` sets it on the draft (False when the
    row's recipient is wrong, already reported)."""

    key: tuple[object, ...]
    column: str
    patient: PatientChoice | None = None
    new_patient: NewPatient | None = None
    site: SiteChoice | None = None

    def apply(self, draft: OrderDraft) -> bool:
        if self.patient is not None:
            draft.set_patient(self.patient)
        elif self.new_patient is not None:
            draft.set_new_patient(self.new_patient)
        elif self.site is not None:
            draft.set_site(self.site)
        else:
            return False
        return True


@dataclass(frozen=True)
class Shipped:
    """The item or kit a row ships, as the catalog has it."""

    kind: Literal["item", "kit"]
    ident: int
    name: str
    sku: str | None


def recipient_of(
    row: SheetRow, column: str, recipients: RecipientLookup, report: Report
) -> RowRecipient:
    """The recipient the row names in `column` (one way, checked by the caller); what it
    cannot match is reported and gives a recipient that sets nothing."""
    text = row.get(column)
    if column == "patient_external_id":
        found = recipients.patients_with_external_id(text)
        if len(found) == 1:
            return RowRecipient(("patient", found[0].id), column, patient=found[0])
        if found:
            report(
                row.number,
                column,
                f"{len(found)} patients have the external id {text}; use patient_id instead",
            )
        else:
            report(
                row.number,
                column,
                recipients.unknown(column, text)
                or f"No patient with the external id {text} on this computer; check it, or "
                "refresh the patient list",
            )
        return RowRecipient(("patient_external_id", text), column)
    if column in ("patient_id", "site_id"):
        what = "patient" if column == "patient_id" else "site"
        ident = impilo_id(text)
        if ident is None:
            report(row.number, column, f"{column} must be Impilo's {what} id (a number)")
            return RowRecipient((column, text), column)
        if column == "patient_id":
            patient = recipients.patient(ident)
            if patient is not None:
                return RowRecipient(("patient", ident), column, patient=patient)
        else:
            site = recipients.site(ident)
            if site is not None:
                return RowRecipient(("site", ident), column, site=site)
        report(
            row.number,
            column,
            recipients.unknown(column, str(ident))
            or f"No {what} with the id {ident} on this computer; check it, or refresh the "
            f"{what} list",
        )
        return RowRecipient((what, ident), column)
    typed = new_patient_of(row)
    return RowRecipient(("new", typed.model_dump_json()), column, new_patient=typed)


def new_patient_of(row: SheetRow) -> NewPatient:
    """The new patient the row's columns describe, as typed (validation judges it)."""
    birth = row.get("date_of_birth")
    us_date = _US_DATE.fullmatch(birth)
    if us_date:  # EHR exports write dates the US way; anything else is judged as typed
        month, day, year = (int(part) for part in us_date.groups())
        with suppress(ValueError):  # not a real date: validation says so
            birth = date(year, month, day).isoformat()
    return NewPatient(
        first_name=row.get("first_name"),
        last_name=row.get("last_name"),
        date_of_birth=birth,
        sex=row.get("sex").lower(),
        email=row.get("email"),
        phone_number=row.get("phone"),
        address=UsAddress(
            line_one=row.get("address_line_one"),
            line_two=row.get("address_line_two"),
            city=row.get("city"),
            state=row.get("state"),
            zip_code=row.get("zip"),
        ),
    )


def count_of(row: SheetRow, report: Report) -> int | None:
    """The row's count, None (reported) when it is missing, not a number or out of range."""
    text = row.get("count")
    if not text:
        report(row.number, "count", "Enter the count")
        return None
    count = whole_number(text)
    if count is None and _WHOLE_NUMBER.fullmatch(text.strip()):
        report(row.number, "count", f"The count must be from 1 to {MAX_COUNT}, not {text}")
    elif count is None:
        report(row.number, "count", f"The count {text} is not a whole number")
    elif not 1 <= count <= MAX_COUNT:
        report(row.number, "count", f"The count must be from 1 to {MAX_COUNT}, not {count}")
        return None
    return count


def item_of(row: SheetRow, column: str, catalog: SheetCatalog, report: Report) -> Shipped | None:
    """The catalog item the row names by SKU or id, None (reported) when there is none."""
    text = row.get(column)
    if column == "sku":
        found = catalog.items_with_sku(text)
        if not found:
            report(
                row.number,
                column,
                f"No item with the SKU {text} in the catalog on this computer; check it, or "
                "refresh the lists",
            )
            return None
        item = found[0]  # several with one SKU: the orderable one (validation judges it)
    else:
        ident = impilo_id(text)
        if ident is None:
            report(row.number, column, "item_id must be Impilo's item id (a number)")
            return None
        maybe = catalog.items.get(ident)
        if maybe is None:
            report(
                row.number,
                column,
                f"No item with the id {ident} in the catalog on this computer; check it, or "
                "refresh the lists",
            )
            return None
        item = maybe
    assert item.id is not None
    return Shipped("item", item.id, (item.name or "").strip(), item.sku)


def kit_of(row: SheetRow, column: str, catalog: SheetCatalog, report: Report) -> Shipped | None:
    """The kit the row names by name or id, None (reported) when there is no one kit."""
    text = row.get(column)
    if column == "kit_name":
        found = catalog.kits_named(text)
        if len(found) != 1:
            many = f"{len(found)} kits are named" if found else "No kit named"
            advice = "use kit_id instead" if found else "check it, or refresh the lists"
            report(row.number, column, f"{many} “{text}”; {advice}")
            return None
        kit = found[0]
    else:
        ident = impilo_id(text)
        if ident is None:
            report(row.number, column, "kit_id must be Impilo's kit id (a number)")
            return None
        maybe = catalog.kits.get(ident)
        if maybe is None:
            report(
                row.number,
                column,
                f"No kit with the id {ident} in the catalog on this computer; check it, or "
                "refresh the lists",
            )
            return None
        kit = maybe
    assert kit.id is not None
    return Shipped("kit", kit.id, (kit.name or "").strip(), None)


def whole_number(text: str) -> int | None:
    """The whole number a cell holds: "12", "-1" (judged as out of range by the caller, not
    as unreadable), "2.0" (a spreadsheet's number written out); None for anything else,
    and for a number beyond 64 bits: no id Impilo has, and no database lookup could take it
    (a 20-digit id made the store raise OverflowError)."""
    match = _WHOLE_NUMBER.fullmatch(text.strip())
    if not match:
        return None
    number = int(match.group(1))
    return number if -MAX_ID - 1 <= number <= MAX_ID else None


def impilo_id(text: str) -> int | None:
    """The Impilo id (item, kit, patient, site) a cell holds: from 1 to `MAX_ID`; None for
    anything else."""
    number = whole_number(text)
    return number if number is not None and number >= 1 else None


def or_list(names: Iterable[str]) -> str:
    names = list(names)
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else "".join(names)
