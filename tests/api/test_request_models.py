"""The create-order request model reads every body Impilo's guide and spec show, and sends
only what the API needs."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from impilo_desktop.api.models import (
    AddressCreate,
    NewPatientCreate,
    OrderCreate,
    PatientPatch,
    PatientRef,
)
from impilo_desktop.domain import import_create_json

# The shapes the guide's bodies carry around the ids: a patient with `sex`, item and site
# references with a `name`, kit references with an empty `kitItems`.
GUIDE_SHAPED = {
    "patient": {"id": 4821, "firstName": "Amara", "lastName": "Okafor", "sex": "female"},
    "orderItems": [{"item": {"id": 31, "name": "Cellular scale"}, "count": 1}],
    "orderKits": [{"kit": {"id": 7, "name": "BP starter", "kitItems": []}, "count": 2}],
    "shippingOption": "standard",
}


def test_guide_shaped_references_are_read_and_only_ids_sent() -> None:
    order = OrderCreate.model_validate(GUIDE_SHAPED)
    assert order.to_wire() == {
        "patient": {"id": 4821, "firstName": "Amara", "lastName": "Okafor"},
        "orderItems": [{"item": {"id": 31}, "count": 1}],
        "orderKits": [{"kit": {"id": 7}, "count": 2}],
        "shippingOption": "standard",
    }


def test_a_site_reference_with_a_name_is_read() -> None:
    order = OrderCreate.model_validate(
        {"site": {"id": 12, "name": "Alder Creek"}, "orderItems": [{"item": {"id": 3}, "count": 1}]}
    )
    assert order.to_wire()["site"] == {"id": 12}


def test_the_model_itself_refuses_a_patient_and_a_site_together() -> None:
    with pytest.raises(ValidationError, match="a patient or to a site, not both"):
        OrderCreate.model_validate({**GUIDE_SHAPED, "site": {"id": 12}})


def test_guide_shaped_files_import_without_complaint() -> None:
    result = import_create_json(GUIDE_SHAPED)
    assert result.ok, result.problems
    assert result.ignored == []
    assert result.draft is not None
    assert [line.kit_id for line in result.draft.kit_lines] == [7]


# --- patients: created inline, changed with PATCH -----------------------------------------------

HOME = {"lineOne": "18 Larch Lane", "city": "Dunmore", "state": "PA", "zipCode": "18512"}
NEW_PATIENT = {
    "firstName": "Ada",
    "lastName": "Okafor",
    "email": "ada.okafor@mail.example.net",
    "sex": "female",
    "address": HOME,
}


def test_a_patient_without_an_id_is_a_new_patient() -> None:
    order = OrderCreate.model_validate(
        {"patient": NEW_PATIENT, "orderItems": [{"item": {"id": 3}, "count": 1}]}
    )
    assert isinstance(order.patient, NewPatientCreate)
    assert order.to_wire()["patient"] == {
        **NEW_PATIENT,
        "address": {**HOME, "country": "USA"},
    }


def test_a_patient_with_an_id_stays_a_reference() -> None:
    order = OrderCreate.model_validate(GUIDE_SHAPED)
    assert isinstance(order.patient, PatientRef)


@pytest.mark.parametrize("missing", ["firstName", "lastName", "address"])
def test_a_new_patient_needs_names_and_an_address(missing: str) -> None:
    patient = {k: v for k, v in NEW_PATIENT.items() if k != missing}
    with pytest.raises(ValidationError):
        NewPatientCreate.model_validate(patient)


@pytest.mark.parametrize("missing", ["lineOne", "city", "state", "zipCode"])
def test_an_address_needs_its_required_fields(missing: str) -> None:
    address = {k: v for k, v in HOME.items() if k != missing}
    with pytest.raises(ValidationError):
        AddressCreate.model_validate(address)


def test_blank_optional_fields_are_left_out() -> None:
    patient = NewPatientCreate.model_validate(
        {**NEW_PATIENT, "email": " ", "phoneNumber": "", "sex": "", "dateOfBirth": ""}
    )
    assert set(patient.to_wire()) == {"firstName", "lastName", "address"}


def test_a_patch_sends_only_the_fields_given() -> None:
    change = PatientPatch(
        address=AddressCreate(
            line_one="2 Birch Row", city="Scranton", state="PA", zip_code="18503"
        ),
        phone_number=None,
    )
    assert change.to_wire() == {
        "address": {
            "lineOne": "2 Birch Row",
            "city": "Scranton",
            "state": "PA",
            "zipCode": "18503",
            "country": "USA",
        }
    }
    assert PatientPatch(phone_number="570-555-0199").to_wire() == {"phoneNumber": "570-555-0199"}
    assert PatientPatch().to_wire() == {}
