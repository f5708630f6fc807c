"""A new patient who turns out to be in Impilo already: does the address (and phone) typed
for them differ from the one Impilo holds?

A re-enrolled patient who moved is the usual case: Impilo has the old address, the
coordinator typed the new one. Taking "use this patient" without a word would ship the order
to the old address, so both questions (the order form's and the held order's) show both, and
the form offers to correct the patient (a `PatientChange`, queued with the order).
"""

from __future__ import annotations

from impilo_desktop.domain.new_patient import NewPatient, UsAddress
from impilo_desktop.domain.patient_change import PatientChange, PatientContact
from impilo_desktop.domain.patient_change_rules import address_key, phone_key


def address_line(address: UsAddress) -> str:
    """ "12 Orchard Row, Apt 2, Dayton, OH 45402", or "no address" when none is held."""
    place = " ".join(p for p in (address.state.strip(), address.zip_code.strip()) if p)
    parts = [address.line_one, address.line_two, address.city, place]
    return ", ".join(p.strip() for p in parts if p.strip()) or "no address"


def typed_contact(typed: NewPatient, impilo: PatientContact) -> PatientContact:
    """What the coordinator typed, in the change's terms: a part left empty (no address, no
    phone) keeps what Impilo holds (an empty field is not a wish to erase it)."""
    return PatientContact(
        address=typed.address if not typed.address.is_empty() else impilo.address,
        phone_number=typed.phone_number.strip() or impilo.phone_number,
    )


def correction_for(
    patient_id: int, patient_name: str, impilo: PatientContact, typed: NewPatient
) -> PatientChange | None:
    """The change from Impilo's contact to the typed one, or None when they agree (as the
    sender compares them: spacing, letter case and ZIP punctuation do not count)."""
    after = typed_contact(typed, impilo)
    same_address = address_key(after.address) == address_key(impilo.address)
    if same_address and phone_key(after.phone_number) == phone_key(impilo.phone_number):
        return None
    return PatientChange(
        patient_id=patient_id, patient_name=patient_name, before=impilo, after=after
    )


def difference_lines(change: PatientChange) -> list[str]:
    """Plain sentences naming what differs: "Impilo has their address as: ...", "Typed: ..."."""
    lines = []
    if address_key(change.before.address) != address_key(change.after.address):
        lines.append(f"Impilo has their address as: {address_line(change.before.address)}.")
        lines.append(f"The address typed here: {address_line(change.after.address)}.")
    if phone_key(change.before.phone_number) != phone_key(change.after.phone_number):
        lines.append(f"Impilo has their phone as: {change.before.phone_number or 'none'}.")
        lines.append(f"The phone typed here: {change.after.phone_number}.")
    return lines
