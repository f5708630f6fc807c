"""Sample drafts shared by the store and sync tests."""

from __future__ import annotations

from impilo_desktop.domain import OrderDraft, PatientChoice

# The server entries are queued for in store tests (no request is ever made to it).
SERVER = "https://impilo.test"


def valid_draft(patient_id: int = 1001, item_id: int = 2001, count: int = 1) -> OrderDraft:
    """A draft that passes the domain's validation (ids need not exist anywhere)."""
    draft = OrderDraft()
    draft.set_patient(PatientChoice(id=patient_id, first_name="Thandi", last_name="Nkosi"))
    draft.add_item(item_id, count, name="BP monitor")
    return draft
