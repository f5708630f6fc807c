"""Request bodies about patients: a new patient created inline with an order
(`OrderCreate.patient`), and a partial change (`PATCH /patient/{id}`).

Impilo's schema requires `lineOne`, `city`, `state`, `zipCode` and `country` on an address and
`firstName`/`lastName` on every Patient object (impilo-api.md 1.7, 3.3), so those are required
here too; other fields are sent only when given (None and blank texts are left out, never sent
as null or ""). Formats (state code, ZIP, phone) are the domain's rules (`new_patient_rules`);
these models check structure only.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import Field, field_validator

from impilo_desktop.api.wire import Id, RequestModel, Sex

Text = Annotated[str, Field(min_length=1)]


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


class AddressCreate(RequestModel):
    """A shipping address as sent."""

    line_one: Text
    line_two: str | None = None
    city: Text
    state: Text
    zip_code: Text
    country: Text = "USA"

    _blank_line_two = field_validator("line_two", mode="before")(_blank_is_none)


class PatientSiteRef(RequestModel):
    """The patient's responsible site, by id."""

    id: Id


class NewPatientCreate(RequestModel):
    """A patient without an id inside a create-order body: Impilo creates the patient with the
    order (the spec's `new-patient-order` example has this shape)."""

    first_name: Text
    last_name: Text
    date_of_birth: date | None = None
    sex: Sex | None = None
    email: str | None = None
    phone_number: str | None = None
    external_identifier: str | None = None
    site: PatientSiteRef | None = None
    address: AddressCreate

    _blank_texts = field_validator(
        "date_of_birth", "sex", "email", "phone_number", "external_identifier", mode="before"
    )(_blank_is_none)


class PatientPatch(RequestModel):
    """A partial change to a patient: only the fields given are sent (and changed).

    Impilo's schema requires the names on every Patient object, a PATCH body included;
    `ImpiloClient.patch_patient` fills them from Impilo when the change leaves them out."""

    first_name: Text | None = None
    last_name: Text | None = None
    date_of_birth: date | None = None
    sex: Sex | None = None
    email: str | None = None
    phone_number: str | None = None
    external_identifier: str | None = None
    address: AddressCreate | None = None

    _blank_texts = field_validator(
        "date_of_birth", "sex", "email", "phone_number", "external_identifier", mode="before"
    )(_blank_is_none)
