"""A patient who is not in Impilo yet, entered in the order form.

Impilo's `POST /order` accepts a patient without an id: it creates the patient together with the
order, in one request. So a new patient's order goes through the outbox like any other, and its
client reference covers the patient too (a resend after a lookup that found no order cannot
create the patient twice, because the patient only exists with its order).

The draft keeps what the coordinator typed, as typed; `validation` judges it and `convert`
trims it into the request. Field keys for problems are `new_patient.<field>` and
`new_patient.address.<field>` (see `validation`).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_COUNTRY = "USA"


class _Lenient(BaseModel):
    # As the draft: unknown fields ignored on load, checked on assignment.
    model_config = ConfigDict(extra="ignore", validate_assignment=True)


class UsAddress(_Lenient):
    """A US shipping address as typed (ZIP as text: leading zeros matter)."""

    line_one: str = ""
    line_two: str = ""
    city: str = ""
    state: str = ""
    zip_code: str = ""
    country: str = DEFAULT_COUNTRY

    def is_empty(self) -> bool:
        """Nothing typed (the default country does not count)."""
        return not any(
            value.strip()
            for value in (self.line_one, self.line_two, self.city, self.state, self.zip_code)
        )


class NewPatient(_Lenient):
    """The patient to create with the order. Texts are kept as typed; empty means not given."""

    first_name: str = ""
    last_name: str = ""
    date_of_birth: str = ""  # YYYY-MM-DD
    sex: str = ""  # female / male / other / unknown, or empty
    email: str = ""
    phone_number: str = ""
    external_identifier: str = ""  # the clinic's own id for the patient (MRN)
    site_id: int | None = None
    site_name: str = ""
    address: UsAddress = Field(default_factory=UsAddress)

    @property
    def display_name(self) -> str:
        """ "Jane Doe (new patient)", or "New patient" before a name is typed."""
        name = " ".join(p for p in (self.first_name.strip(), self.last_name.strip()) if p)
        return f"{name} (new patient)" if name else "New patient"

    def is_empty(self) -> bool:
        """Nothing typed at all."""
        return self.address.is_empty() and not any(
            value.strip()
            for value in (
                self.first_name,
                self.last_name,
                self.date_of_birth,
                self.email,
                self.phone_number,
                self.external_identifier,
            )
        )
