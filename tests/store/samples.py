"""Sample drafts shared by the store and sync tests."""

from __future__ import annotations

from impilo_desktop.domain import OrderDraft, PatientChoice
from impilo_desktop.domain.new_patient import NewPatient, UsAddress

# The server entries are queued for in store tests (no request is ever made to it).
SERVER = "https://impilo.test"


def valid_draft(patient_id: int = 1001, item_id: int = 2001, count: int = 1) -> OrderDraft:
    """A draft that passes the domain's validation (ids need not exist anywhere)."""
    draft = OrderDraft()
    draft.set_patient(PatientChoice(id=patient_id, first_name="Thandi", last_name="Nkosi"))
    draft.add_item(item_id, count, name="BP monitor")
    return draft


def new_patient_draft(
    first_name: str = "Lindiwe",
    last_name: str = "Mokoena",
    *,
    email: str = "lindiwe.mokoena@example.org",
    external_identifier: str = "CL-4471",
    item_id: int = 2001,
    site_id: int | None = 101,
) -> OrderDraft:
    """A valid order for a patient typed in the form (created with the order); the item and
    site ids exist in the sandbox's seed."""
    draft = OrderDraft()
    draft.set_new_patient(
        NewPatient(
            first_name=first_name,
            last_name=last_name,
            date_of_birth="1961-04-23",
            sex="female",
            email=email,
            external_identifier=external_identifier,
            site_id=site_id,
            address=UsAddress(
                line_one="12 Orchard Row", city="Dayton", state="OH", zip_code="45402"
            ),
        )
    )
    draft.add_item(item_id, 1, name="BP monitor")
    return draft
