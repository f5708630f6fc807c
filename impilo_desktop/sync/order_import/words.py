"""An order's recipient and lines in the words the preview and the summary show."""

from __future__ import annotations

from impilo_desktop.domain.draft import OrderDraft
from impilo_desktop.domain.order_sheet.drafts import SheetDraft
from impilo_desktop.domain.order_sheet.sheet import NEW_PATIENT_COLUMNS, RECIPIENT_COLUMNS

_NAMED_BY = {
    "patient_id": "patient",
    "patient_external_id": "patient with external id",
    "site_id": "site",
}


def recipient_words(draft: OrderDraft) -> str | None:
    """ "Doe, Jane (#4821)", "New patient Doe, Jane (Albany NY)", "Northside Clinic (site
    #7)"; None when the draft has no recipient."""
    if draft.recipient_kind == "site" and draft.site is not None:
        return f"{draft.site.display_name} (site #{draft.site.id})"
    if draft.patient is not None:
        patient = draft.patient
        name = ", ".join(p for p in (patient.last_name.strip(), patient.first_name.strip()) if p)
        return f"{name or 'Unnamed patient'} (#{patient.id})"
    if draft.new_patient is not None:
        new = draft.new_patient
        name = ", ".join(p for p in (new.last_name.strip(), new.first_name.strip()) if p)
        place = " ".join(p for p in (new.address.city.strip(), new.address.state.strip()) if p)
        return f"New patient {name or '(no name)'}" + (f" ({place})" if place else "")
    return None


def sheet_recipient_words(order: SheetDraft, cells: dict[str, str] | None) -> str:
    """The recipient as matched, or what the first row naming one says when nothing matched:
    "Not matched: patient 99999"."""
    matched = recipient_words(order.draft)
    if matched is not None:
        return matched
    for column in RECIPIENT_COLUMNS:
        if cells and cells.get(column):
            return f"Not matched: {_NAMED_BY[column]} {cells[column]}"
    if cells and any(cells.get(c) for c in NEW_PATIENT_COLUMNS):
        return "Not matched: a new patient"
    return "No recipient"


def lines_words(draft: OrderDraft) -> str:
    """ "1 x BP monitor (IMP-BLO-3001); 1 x Hypertension starter (kit)"; "" for no lines."""
    parts = [
        f"{line.count} x {line.label}" + (f" ({line.sku})" if line.sku else "")
        for line in draft.item_lines
    ]
    parts += [f"{line.count} x {line.label} (kit)" for line in draft.kit_lines]
    return "; ".join(parts)
