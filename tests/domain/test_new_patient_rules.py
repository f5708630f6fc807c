"""new_patient_problems / address_problems: every rule, one problem per field, never raises."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from impilo_desktop.domain import ItemLine, OrderDraft, PatientChoice, Problem, validate_draft
from impilo_desktop.domain.new_patient import NewPatient, UsAddress
from impilo_desktop.domain.new_patient_rules import (
    US_STATES,
    address_problems,
    is_plausible_email,
    new_patient_problems,
    normal_state,
    normal_zip,
    phone_digits,
)
from tests.domain.strategies import any_text, json_values

TODAY = date(2026, 11, 30)
HOME = UsAddress(line_one="18 Larch Lane", city="Dunmore", state="PA", zip_code="18512")


def patient(**fields: Any) -> NewPatient:
    """A valid new patient (names and address only), overridden by `fields`."""
    base = NewPatient(first_name="Ada", last_name="Okafor", address=HOME)
    return base.model_copy(update=fields)


def address(**fields: Any) -> UsAddress:
    return HOME.model_copy(update=fields)


def problems(new: NewPatient) -> dict[str, str]:
    return {p.field: p.message for p in new_patient_problems(new, today=TODAY)}


def test_names_and_an_address_are_enough() -> None:
    assert problems(patient()) == {}


def test_every_field_given_and_valid() -> None:
    full = patient(
        date_of_birth="1961-02-28",
        sex="female",
        email="ada.okafor@mail.example.net",
        phone_number="+1 (570) 555-0142",
        external_identifier="MRN-00417",
        site_id=3,
        address=address(line_two="Apt 2", zip_code="18512-0042", country="USA"),
    )
    assert problems(full) == {}


def test_an_empty_new_patient_names_each_required_field() -> None:
    assert problems(NewPatient()) == {
        "new_patient.first_name": "Enter the first name",
        "new_patient.last_name": "Enter the last name",
        "new_patient.address.line_one": "Enter the street address",
        "new_patient.address.city": "Enter the city",
        "new_patient.address.state": "Enter the state",
        "new_patient.address.zip_code": "Enter the ZIP code",
    }


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_names_are_required_trimmed_and_limited(field: str) -> None:
    label = "First name" if field == "first_name" else "Last name"
    key = f"new_patient.{field}"
    assert problems(patient(**{field: "   "})) == {key: f"Enter the {label.lower()}"}
    assert problems(patient(**{field: "x" * 100})) == {}
    assert problems(patient(**{field: " " + "x" * 100 + " "})) == {}
    assert problems(patient(**{field: "x" * 101})) == {
        key: f"{label} is too long (at most 100 characters)"
    }
    assert problems(patient(**{field: "Ada\tMae"})) == {
        key: f"{label} can't contain line breaks or tabs"
    }


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", None),
        ("  ", None),
        ("1961-02-28", None),
        (" 1961-02-28 ", None),
        ("2026-11-30", None),  # born today
        ("1896-11-30", None),  # exactly 130 years
        ("02/28/1961", "Enter the date of birth as year-month-day (YYYY-MM-DD)"),
        ("1961-2-28", "Enter the date of birth as year-month-day (YYYY-MM-DD)"),
        ("1961-02-28T00:00:00Z", "Enter the date of birth as year-month-day (YYYY-MM-DD)"),
        ("1961-02-30", "1961-02-30 is not a real date"),
        ("1961-13-01", "1961-13-01 is not a real date"),
        ("2026-12-01", "Date of birth can't be in the future"),
        ("1896-11-29", "Date of birth is more than 130 years ago; check the year"),
    ],
)
def test_date_of_birth(typed: str, message: str | None) -> None:
    expected = {"new_patient.date_of_birth": message} if message else {}
    assert problems(patient(date_of_birth=typed)) == expected


def test_the_130_years_limit_on_29_february() -> None:
    leap_day = date(2028, 2, 29)
    assert new_patient_problems(patient(date_of_birth="1898-02-28"), today=leap_day) == []
    assert new_patient_problems(patient(date_of_birth="1898-02-27"), today=leap_day) == [
        Problem(
            "new_patient.date_of_birth", "Date of birth is more than 130 years ago; check the year"
        )
    ]


@pytest.mark.parametrize("typed", ["", "female", "male", "other", "unknown", " Male "])
def test_sex_empty_or_one_of_impilos_values(typed: str) -> None:
    assert problems(patient(sex=typed)) == {}


@pytest.mark.parametrize("typed", ["f", "woman", "none"])
def test_any_other_sex_is_refused(typed: str) -> None:
    assert problems(patient(sex=typed)) == {
        "new_patient.sex": "Choose female, male, other or unknown for sex, or leave it empty"
    }


@pytest.mark.parametrize(
    "typed", ["", "ada@clinic.example.org", " a.b+c@x.io ", "o'neil@sub.mail.example"]
)
def test_plausible_emails(typed: str) -> None:
    assert problems(patient(email=typed)) == {}


@pytest.mark.parametrize(
    "typed",
    [
        "ada",
        "ada@",
        "@clinic.example",
        "ada@clinic",
        "ada@@clinic.example",
        "ada@clinic@example.org",
        "ada okafor@clinic.example",
        "ada@clinic..example",
        "ada@.example",
        "ada@clinic.example.",
        "a" * 250 + "@x.example",
    ],
)
def test_implausible_emails(typed: str) -> None:
    assert problems(patient(email=typed)) == {
        "new_patient.email": "This doesn't look like an email address (name@example.org)"
    }


@pytest.mark.parametrize(
    ("typed", "digits"),
    [
        ("5705550142", "5705550142"),
        ("570-555-0142", "5705550142"),
        ("(570) 555-0142", "5705550142"),
        ("570.555.0142", "5705550142"),
        ("+1 570 555 0142", "5705550142"),
        ("+15705550142", "5705550142"),
        ("1-570-555-0142", "5705550142"),
    ],
)
def test_us_phone_numbers(typed: str, digits: str) -> None:
    assert phone_digits(typed) == digits
    assert problems(patient(phone_number=typed)) == {}


@pytest.mark.parametrize(
    "typed",
    [
        "555-0142",
        "57055501421",
        "+44 20 7946 0018",
        "570-555-O142",
        "570/555/0142",
        "570+5550142",
        "570 - - - - - - - - - - 555 0142",  # over 30 characters
    ],
)
def test_anything_else_is_not_a_us_phone_number(typed: str) -> None:
    assert phone_digits(typed) is None
    assert problems(patient(phone_number=typed)) == {
        "new_patient.phone_number": "Enter a US phone number of 10 digits, e.g. 555-010-2030"
    }


def test_external_identifier_is_optional_and_limited() -> None:
    assert problems(patient(external_identifier="")) == {}
    assert problems(patient(external_identifier="M" * 100)) == {}
    assert problems(patient(external_identifier="M" * 101)) == {
        "new_patient.external_identifier": "External id (MRN) is too long (at most 100 characters)"
    }


@pytest.mark.parametrize("site_id", [None, 1, 2**63 - 1])
def test_site_optional(site_id: int | None) -> None:
    assert problems(patient(site_id=site_id)) == {}


@pytest.mark.parametrize("site_id", [0, -4, 2**63])
def test_site_id_must_be_a_real_id(site_id: int) -> None:
    assert problems(patient(site_id=site_id)) == {
        "new_patient.site_id": "The patient's site has no valid Impilo id; choose it from the list"
    }


def test_address_lines_and_city_limited() -> None:
    long = "x" * 101
    assert address_problems(address(line_one=long, line_two=long, city=long)) == [
        Problem("address.line_one", "Street address is too long (at most 100 characters)"),
        Problem("address.line_two", "Address line two is too long (at most 100 characters)"),
        Problem("address.city", "City is too long (at most 100 characters)"),
    ]
    assert address_problems(address(line_two="Suite\n4")) == [
        Problem("address.line_two", "Address line two can't contain line breaks or tabs")
    ]


def test_every_state_territory_and_military_code() -> None:
    assert len(US_STATES) == 50 + 1 + 5 + 3
    for code in ("DC", "PR", "VI", "GU", "AS", "MP", "AA", "AE", "AP", "NY", "WY"):
        assert code in US_STATES
        assert address_problems(address(state=code)) == []
    assert address_problems(address(state=" ny ")) == []
    assert normal_state(" ny ") == "NY"


@pytest.mark.parametrize("typed", ["New York", "N.Y.", "XX", "Z", "ON"])
def test_a_state_must_be_a_us_code(typed: str) -> None:
    assert address_problems(address(state=typed)) == [
        Problem("address.state", "Enter the state as its two-letter code (e.g. NY, CA, PR)")
    ]


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("18512", "18512"),
        (" 02134 ", "02134"),
        ("18512-0042", "18512-0042"),
        ("185120042", "18512-0042"),
    ],
)
def test_zip_codes(typed: str, normal: str) -> None:
    assert normal_zip(typed) == normal
    assert address_problems(address(zip_code=typed)) == []


@pytest.mark.parametrize("typed", ["1851", "185120", "18512-42", "18512 0042", "ABCDE", "2134"])
def test_not_zip_codes(typed: str) -> None:
    assert normal_zip(typed) is None
    assert address_problems(address(zip_code=typed)) == [
        Problem("address.zip_code", "Enter the ZIP code as 5 digits or 5+4 (12345 or 12345-6789)")
    ]


@pytest.mark.parametrize("country", ["USA", "usa", " USA ", ""])
def test_country_usa_or_left_to_the_default(country: str) -> None:
    assert address_problems(address(country=country)) == []


@pytest.mark.parametrize("country", ["Canada", "US", "Mexico"])
def test_only_us_shipping_addresses(country: str) -> None:
    assert address_problems(address(country=country), prefix="after.address") == [
        Problem(
            "after.address.country", "Orders ship to US addresses only; the country must be USA"
        )
    ]


def test_email_plausibility_helper() -> None:
    assert is_plausible_email("a@b.c")
    assert not is_plausible_email("a@b")


# --- through validate_draft -------------------------------------------------------------


def new_patient_order(new: NewPatient | None) -> OrderDraft:
    draft = OrderDraft(item_lines=[ItemLine(item_id=10, count=1)])
    draft.set_new_patient(new)
    return draft


def test_a_valid_new_patient_order_is_valid() -> None:
    assert validate_draft(new_patient_order(patient())) == []


def test_a_patient_order_without_any_patient() -> None:
    assert validate_draft(new_patient_order(None)) == [
        Problem("recipient", "Choose a patient or enter a new one")
    ]


def test_validate_draft_reports_the_new_patients_fields() -> None:
    new = patient(last_name="", email="ada", address=address(zip_code="", state="Penn"))
    found = validate_draft(new_patient_order(new))
    assert [p.field for p in found] == [
        "new_patient.last_name",
        "new_patient.email",
        "new_patient.address.state",
        "new_patient.address.zip_code",
    ]
    assert {p.section for p in found} == {"new_patient"}
    assert [p.part for p in found] == ["last_name", "email", "address.state", "address.zip_code"]
    assert all(p.index is None for p in found)


def test_a_chosen_patient_wins_over_a_typed_one() -> None:
    # An old or hand-made draft holding both: only the chosen patient counts, as in `recipient`.
    draft = new_patient_order(NewPatient())
    draft.patient = PatientChoice(id=5, first_name="Jane", last_name="Doe")
    assert validate_draft(draft) == []


# --- never raises -------------------------------------------------------------------------

junk_addresses = st.builds(
    UsAddress,
    line_one=any_text,
    line_two=any_text,
    city=any_text,
    state=any_text,
    zip_code=any_text,
    country=any_text,
)
junk_patients = st.builds(
    NewPatient,
    first_name=any_text,
    last_name=any_text,
    date_of_birth=any_text | st.dates().map(date.isoformat),
    sex=any_text,
    email=any_text,
    phone_number=any_text,
    external_identifier=any_text,
    site_id=st.none() | st.integers(),
    address=junk_addresses,
)


@given(junk_patients)
def test_validation_never_raises_on_junk(new: NewPatient) -> None:
    found = new_patient_problems(new)
    assert all(p.field.startswith("new_patient.") and p.message for p in found)
    assert len({p.field for p in found}) == len(found)  # one problem per field
    assert all(p.field.startswith("new_patient.") for p in validate_draft(new_patient_order(new)))


patient_fields = list(NewPatient.model_fields)
address_fields = list(UsAddress.model_fields)


@given(
    st.fixed_dictionaries({}, optional={name: json_values for name in patient_fields}),
    st.fixed_dictionaries({}, optional={name: json_values for name in address_fields}),
)
def test_validation_never_raises_on_a_damaged_patient(
    fields: dict[str, Any], address_fields: dict[str, Any]
) -> None:
    damaged = NewPatient.model_construct(**fields)
    found = new_patient_problems(damaged)
    assert all(p.field.startswith("new_patient") and p.message for p in found)
    found = address_problems(UsAddress.model_construct(**address_fields))
    assert all(p.field.startswith("address") and p.message for p in found)
    damaged_fields: dict[str, Any] = {"recipient_kind": "patient", "new_patient": fields}
    draft = OrderDraft.model_construct(**damaged_fields)
    assert all(p.field and p.message for p in validate_draft(draft))
