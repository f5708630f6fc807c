"""Where Impilo stands on a queued address/phone correction, from the patient re-read just
before it is sent (sync/patient_change_sender.py).

PATCH carries no reference of ours, so exactly once rests on comparing what Impilo holds
with the change's `before` and `after`, over the parts the change touches (the address, the
phone, or both; a part the change leaves alone may have been changed by anyone):

- Impilo holds `after`: the change is there already (our PATCH arrived before a crash);
- Impilo holds `before`: the PATCH is sent;
- anything else: someone changed the patient meanwhile; the coordinator decides.

Values are compared as Impilo may write them back, not byte for byte: texts trimmed with runs
of spaces made one, the state's letter case ignored, a ZIP by its digits as written
("12545-1234" is "125451234", but "12545" is not "12545-1234": adding the +4 is a change),
the country "US"/"USA"/empty as one, a phone by its digits (a leading US 1 ignored).
"""

from __future__ import annotations

import re
from enum import StrEnum

from impilo_desktop.api.models import AddressCreate, Patient, PatientPatch
from impilo_desktop.domain.new_patient import DEFAULT_COUNTRY, UsAddress
from impilo_desktop.domain.patient_change import PatientChange, PatientContact

_SPACES = re.compile(r"\s+")
_US = {"", "US", "USA", "UNITED STATES", "UNITED STATES OF AMERICA"}


class Standing(StrEnum):
    """What Impilo holds, measured against a change."""

    AFTER = "after"  # the change is applied
    BEFORE = "before"  # nothing changed yet: send it
    OTHER = "other"  # changed by someone else meanwhile


def contact_from_patient(patient: Patient) -> PatientContact:
    """The address and phone Impilo holds for `patient`, in the change's terms."""
    address = patient.address
    return PatientContact(
        address=UsAddress(
            line_one=(address.line_one or "") if address else "",
            line_two=(address.line_two or "") if address else "",
            city=(address.city or "") if address else "",
            state=(address.state or "") if address else "",
            zip_code=(address.zip_code or "") if address else "",
            country=(address.country or DEFAULT_COUNTRY) if address else DEFAULT_COUNTRY,
        ),
        phone_number=patient.phone_number or "",
    )


def _text(value: str) -> str:
    return _SPACES.sub(" ", value.strip())


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def _country(value: str) -> str:
    text = _text(value).upper()
    return "USA" if text in _US else text


def address_key(address: UsAddress) -> tuple[str, ...]:
    """An address as compared (see the module's docstring)."""
    return (
        _text(address.line_one),
        _text(address.line_two),
        _text(address.city),
        _text(address.state).upper(),
        _digits(address.zip_code),
        _country(address.country),
    )


def phone_key(phone: str) -> str:
    """A phone number as compared: its digits, without a leading US country code."""
    digits = _digits(phone)
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def changes_address(change: PatientChange) -> bool:
    return address_key(change.before.address) != address_key(change.after.address)


def changes_phone(change: PatientChange) -> bool:
    return phone_key(change.before.phone_number) != phone_key(change.after.phone_number)


def _holds(change: PatientChange, wanted: PatientContact, found: PatientContact) -> bool:
    if changes_address(change) and address_key(found.address) != address_key(wanted.address):
        return False
    return not (
        changes_phone(change) and phone_key(found.phone_number) != phone_key(wanted.phone_number)
    )


def standing(change: PatientChange, found: PatientContact) -> Standing:
    """Where Impilo, holding `found`, stands on `change`. A change that changes nothing as
    compared (a letter case, a hyphen in the ZIP) stands applied."""
    if _holds(change, change.after, found):
        return Standing.AFTER
    if _holds(change, change.before, found):
        return Standing.BEFORE
    return Standing.OTHER


def contact_lines(contact: PatientContact) -> str:
    """ "480 Larkspur Lane, Apt 3, Rhinebeck NY 12572 · phone 555-0100" for messages."""
    a = contact.address
    place = " ".join(p for p in (_text(a.city), _text(a.state), _text(a.zip_code)) if p)
    parts = [_text(a.line_one), _text(a.line_two), place]
    text = ", ".join(p for p in parts if p) or "no address"
    phone = _text(contact.phone_number)
    return f"{text} · phone {phone}" if phone else text


def patient_patch(change: PatientChange, patient: Patient) -> PatientPatch:
    """The PATCH body for `change`: only what it changes (the whole address when the address
    changes, Impilo's address being one object), and the names as Impilo holds them in
    `patient` (its schema wants them on every Patient object; changing nothing)."""
    address = None
    if changes_address(change):
        after = change.after.address
        address = AddressCreate(
            line_one=_text(after.line_one),
            line_two=_text(after.line_two) or None,
            city=_text(after.city),
            state=_text(after.state).upper(),
            zip_code=_text(after.zip_code),
            country=_text(after.country) or DEFAULT_COUNTRY,
        )
    phone = _text(change.after.phone_number) if changes_phone(change) else None
    return PatientPatch(
        first_name=patient.first_name or None,
        last_name=patient.last_name or None,
        address=address,
        phone_number=phone,
    )
