"""Sample address corrections shared by the store, sync and UI tests (invented data)."""

from __future__ import annotations

from dataclasses import dataclass

from impilo_desktop.domain.new_patient import UsAddress
from impilo_desktop.domain.patient_change import PatientChange, PatientContact
from impilo_desktop.store import Store

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


@dataclass(frozen=True)
class Step:
    """One line of a correction's history (patient_change_attempts), oldest first."""

    outcome: str
    detail: str


def change_history(store: Store, change_id: int) -> list[Step]:
    """What happened to a correction: the app keeps this for the log's sake and shows it
    nowhere, so only the tests read it (straight from the table)."""
    rows = store._db.read(
        lambda conn: conn.execute(
            "SELECT outcome, detail FROM patient_change_attempts WHERE change_id = ?"
            " ORDER BY attempt_id",
            (change_id,),
        ).fetchall()
    )
    return [Step(outcome=str(r["outcome"]), detail=str(r["detail"])) for r in rows]
