"""Sample address corrections shared by the store, sync and UI tests (invented data)."""

from __future__ import annotations

from impilo_desktop.domain.new_patient import UsAddress
from impilo_desktop.domain.patient_change import PatientChange, PatientContact

OLD_ADDRESS = UsAddress(
    line_one="12 Old Quarry Road", city="Millbrook", state="NY", zip_code="12545"
)
NEW_ADDRESS = UsAddress(
    line_one="480 Larkspur Lane", line_two="Apt 3", city="Rhinebeck", state="NY", zip_code="12572"
)


def address_change(
    patient_id: int = 10001,
    *,
    before: UsAddress = OLD_ADDRESS,
    after: UsAddress = NEW_ADDRESS,
    phone_before: str = "555-0100",
    phone_after: str | None = None,
    name: str = "Jane Doe",
) -> PatientChange:
    """A correction of the patient's address (and phone when `phone_after` is given)."""
    return PatientChange(
        patient_id=patient_id,
        patient_name=name,
        before=PatientContact(address=before, phone_number=phone_before),
        after=PatientContact(
            address=after, phone_number=phone_before if phone_after is None else phone_after
        ),
    )
