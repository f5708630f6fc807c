"""Where Impilo stands on a correction: compared as Impilo may write values back."""

from __future__ import annotations

from impilo_desktop.api.models import Address, Patient
from impilo_desktop.domain.patient_change import PatientContact
from impilo_desktop.domain.patient_change_rules import (
    Standing,
    contact_from_patient,
    contact_lines,
    standing,
)
from tests.store.patient_change_samples import NEW_ADDRESS, OLD_ADDRESS, address_change


def contact(phone: str = "555-0100", **address: str) -> PatientContact:
    return PatientContact(address=OLD_ADDRESS.model_copy(update=address), phone_number=phone)


def test_before_after_and_anything_else() -> None:
    change = address_change()
    assert standing(change, change.before) == Standing.BEFORE
    assert standing(change, change.after) == Standing.AFTER
    assert standing(change, contact(line_one="9 Ferry Street")) == Standing.OTHER


def test_normalised_comparison() -> None:
    change = address_change()
    written_back = PatientContact(
        address=NEW_ADDRESS.model_copy(
            update={"line_one": "  480  Larkspur Lane ", "state": "ny", "country": "US"}
        ),
        phone_number="555-0100",
    )
    assert standing(change, written_back) == Standing.AFTER


def test_zip_by_its_digits_as_written() -> None:
    change = address_change(after=OLD_ADDRESS.model_copy(update={"zip_code": "12545-1234"}))
    assert standing(change, contact(zip_code="125451234")) == Standing.AFTER
    assert standing(change, contact(zip_code="12545")) == Standing.BEFORE
    assert standing(change, contact(zip_code="12545-9999")) == Standing.OTHER


def test_only_the_parts_the_change_touches_count() -> None:
    change = address_change()  # the address only
    someone_changed_the_phone = PatientContact(address=OLD_ADDRESS, phone_number="555-0999")
    assert standing(change, someone_changed_the_phone) == Standing.BEFORE
    phone = address_change(after=OLD_ADDRESS, phone_after="+1 (555) 010-0199")
    assert standing(phone, contact(phone="5550100199")) == Standing.AFTER
    assert standing(phone, contact(phone="555 0100")) == Standing.BEFORE


def test_contact_from_patient_and_lines() -> None:
    patient = Patient(
        id=1,
        phone_number=None,
        address=Address(line_one="1 Elm Row", city="Hudson", state="NY", zip_code="12534"),
    )
    found = contact_from_patient(patient)
    assert (found.address.country, found.phone_number) == ("USA", "")
    assert contact_lines(found) == "1 Elm Row, Hudson NY 12534"
    assert contact_from_patient(Patient(id=2)).address.is_empty()
