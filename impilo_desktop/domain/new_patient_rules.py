"""Rules for a patient typed in the order form and for a US shipping address.

Impilo requires a patient's first and last name and an address with line one, city, state, ZIP
and country (impilo-api.md 1.7, 3.3); it publishes no format for the rest. The formats here are
ours, chosen so a coordinator's typing mistake is caught before the order leaves: a real date of
birth, an email with one @ and a dotted domain, a 10-digit US phone number, a two-letter state
code, a 5 or 5+4 digit ZIP. Shipping goes to US addresses only.

One problem per field (the first rule it breaks), keyed `new_patient.<field>` and
`new_patient.address.<field>` for the order form, or `<prefix>.<field>` for an address edited
elsewhere (the address dialog). Never raises, whatever the objects hold: a value that is not
text is reported as a problem.

The date of birth is ISO (YYYY-MM-DD) only: the form converts what the coordinator types.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import date
from typing import Any

from impilo_desktop.api.models import Sex
from impilo_desktop.domain.new_patient import DEFAULT_COUNTRY, NewPatient, UsAddress
from impilo_desktop.domain.problems import Problem

MAX_NAME_LENGTH = 100
MAX_EXTERNAL_IDENTIFIER_LENGTH = 100
MAX_ADDRESS_LINE_LENGTH = 100
MAX_CITY_LENGTH = 100
MAX_EMAIL_LENGTH = 254
MAX_PHONE_LENGTH = 30  # ten digits with every separator a person types fit easily
MAX_AGE_YEARS = 130
_INT64_MAX = 2**63 - 1

US_STATES: dict[str, str] = {
    "AL": "Alabama",
    "AK": "Alaska",
    "AZ": "Arizona",
    "AR": "Arkansas",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DE": "Delaware",
    "FL": "Florida",
    "GA": "Georgia",
    "HI": "Hawaii",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "IA": "Iowa",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "ME": "Maine",
    "MD": "Maryland",
    "MA": "Massachusetts",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MS": "Mississippi",
    "MO": "Missouri",
    "MT": "Montana",
    "NE": "Nebraska",
    "NV": "Nevada",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NY": "New York",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VT": "Vermont",
    "VA": "Virginia",
    "WA": "Washington",
    "WV": "West Virginia",
    "WI": "Wisconsin",
    "WY": "Wyoming",
    "DC": "District of Columbia",
    "PR": "Puerto Rico",
    "VI": "U.S. Virgin Islands",
    "GU": "Guam",
    "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
    "AA": "Armed Forces Americas",
    "AE": "Armed Forces Europe",
    "AP": "Armed Forces Pacific",
}

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ZIP = re.compile(r"(\d{5})(?:-?(\d{4}))?")
_PHONE_CHARACTERS = re.compile(r"\+?[\d\s().-]+")
_SEXES = tuple(sex.value for sex in Sex)


# --- normalising (shared with `convert`, which sends what these return) --------------------


def normal_state(state: str) -> str:
    """The state code as sent: trimmed, upper-case ("ny " -> "NY")."""
    return state.strip().upper()


def normal_zip(zip_code: str) -> str | None:
    """The ZIP as sent ("12345" or "12345-6789"), or None when it is not a ZIP."""
    match = _ZIP.fullmatch(zip_code.strip())
    if match is None:
        return None
    five, four = match.groups()
    return f"{five}-{four}" if four else five


def phone_digits(phone: str) -> str | None:
    """The 10 digits of a US phone number as typed ("+1 (555) 010-2030" -> "5550102030"),
    or None when it is not one."""
    text = phone.strip()
    if len(text) > MAX_PHONE_LENGTH or not _PHONE_CHARACTERS.fullmatch(text):
        return None
    digits = re.sub(r"\D", "", text)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    elif text.startswith("+"):
        return None  # a + must be the US country code
    return digits if len(digits) == 10 else None


def is_plausible_email(email: str) -> bool:
    """One @, something before it, a dotted domain after it, no spaces."""
    text = email.strip()
    if len(text) > MAX_EMAIL_LENGTH or any(ch.isspace() for ch in text):
        return False
    local, at, domain = text.partition("@")
    if not at or not local or "@" in domain:
        return False
    labels = domain.split(".")
    return len(labels) >= 2 and all(labels)


def is_us_country(country: str) -> bool:
    """Empty (the default, USA) or USA in any case."""
    return country.strip().upper() in ("", DEFAULT_COUNTRY)


# --- the rules ------------------------------------------------------------------------------


def _read(obj: Any, name: str) -> Any:
    try:
        return getattr(obj, name, None)
    except Exception:  # a damaged object whose attribute access itself fails
        return None


def _has_control_characters(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in text)


def _text_problem(
    value: Any, label: str, *, required: bool, max_length: int, article: str = "the"
) -> str | None:
    """The one problem with a free-text field, or None."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        return f"{label} must be text"
    text = value.strip()
    if not text:
        return f"Enter {article} {label.lower()}" if required else None
    if len(text) > max_length:
        return f"{label} is too long (at most {max_length} characters)"
    if _has_control_characters(text):
        return f"{label} can't contain line breaks or tabs"
    return None


def _optional_text(value: Any, label: str) -> tuple[str | None, str | None]:
    """(the trimmed text or None when empty, a problem or None)."""
    if value is None:
        return None, None
    if not isinstance(value, str):
        return None, f"{label} must be text"
    return (value.strip() or None), None


def _date_of_birth_problem(value: Any, today: date) -> str | None:
    text, problem = _optional_text(value, "Date of birth")
    if problem or text is None:
        return problem
    if not _ISO_DATE.fullmatch(text):
        return "Enter the date of birth as year-month-day (YYYY-MM-DD)"
    try:
        born = date.fromisoformat(text)
    except ValueError:
        return f"{text} is not a real date"
    if born > today:
        return "Date of birth can't be in the future"
    try:
        oldest = today.replace(year=today.year - MAX_AGE_YEARS)
    except ValueError:  # 29 February
        oldest = today.replace(year=today.year - MAX_AGE_YEARS, day=28)
    if born < oldest:
        return f"Date of birth is more than {MAX_AGE_YEARS} years ago; check the year"
    return None


def _sex_problem(value: Any) -> str | None:
    text, problem = _optional_text(value, "Sex")
    if problem or text is None:
        return problem
    if text.lower() not in _SEXES:
        return "Choose female, male, other or unknown for sex, or leave it empty"
    return None


def _email_problem(value: Any) -> str | None:
    text, problem = _optional_text(value, "Email")
    if problem or text is None:
        return problem
    if not is_plausible_email(text):
        return "This doesn't look like an email address (name@example.org)"
    return None


def _phone_problem(value: Any) -> str | None:
    text, problem = _optional_text(value, "Phone")
    if problem or text is None:
        return problem
    if phone_digits(text) is None:
        return "Enter a US phone number of 10 digits, e.g. 555-010-2030"
    return None


def _site_problem(value: Any) -> str | None:
    if value is None:
        return None
    valid = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= _INT64_MAX
    return None if valid else "The patient's site has no valid Impilo id; choose it from the list"


def _address(address: Any, prefix: str) -> Iterator[Problem]:
    line_one = _text_problem(
        _read(address, "line_one"),
        "Street address",
        required=True,
        max_length=MAX_ADDRESS_LINE_LENGTH,
    )
    if line_one:
        yield Problem(f"{prefix}.line_one", line_one)
    line_two = _text_problem(
        _read(address, "line_two"),
        "Address line two",
        required=False,
        max_length=MAX_ADDRESS_LINE_LENGTH,
    )
    if line_two:
        yield Problem(f"{prefix}.line_two", line_two)
    city = _text_problem(_read(address, "city"), "City", required=True, max_length=MAX_CITY_LENGTH)
    if city:
        yield Problem(f"{prefix}.city", city)
    state = _state_problem(_read(address, "state"))
    if state:
        yield Problem(f"{prefix}.state", state)
    zip_code = _zip_problem(_read(address, "zip_code"))
    if zip_code:
        yield Problem(f"{prefix}.zip_code", zip_code)
    country = _read(address, "country")
    if country is not None and (not isinstance(country, str) or not is_us_country(country)):
        yield Problem(
            f"{prefix}.country", "Orders ship to US addresses only; the country must be USA"
        )


def _state_problem(value: Any) -> str | None:
    text, problem = _optional_text(value, "State")
    if problem:
        return problem
    if text is None:
        return "Enter the state"
    if normal_state(text) not in US_STATES:
        return "Enter the state as its two-letter code (e.g. NY, CA, PR)"
    return None


def _zip_problem(value: Any) -> str | None:
    text, problem = _optional_text(value, "ZIP code")
    if problem:
        return problem
    if text is None:
        return "Enter the ZIP code"
    if normal_zip(text) is None:
        return "Enter the ZIP code as 5 digits or 5+4 (12345 or 12345-6789)"
    return None


def address_problems(address: UsAddress, prefix: str = "address") -> list[Problem]:
    """Every field of a US shipping address that is missing or wrong, keyed `<prefix>.<field>`
    (`address.zip_code`). Never raises."""
    try:
        return list(_address(address, prefix))
    except Exception:  # the last line of defence for an object too damaged to read
        return [Problem(prefix, "This address can't be read; type it again")]


def new_patient_problems(patient: NewPatient, *, today: date | None = None) -> list[Problem]:
    """Every field of a new patient that is missing or wrong, keyed `new_patient.<field>` and
    `new_patient.address.<field>`. `today` is for tests (the local date otherwise).
    Never raises."""
    today = today or date.today()
    try:
        return list(_patient(patient, today))
    except Exception:
        return [Problem("new_patient", "The new patient can't be read; type the details again")]


def _patient(patient: Any, today: date) -> Iterator[Problem]:
    key = "new_patient"
    checks: list[tuple[str, str | None]] = [
        (
            "first_name",
            _text_problem(
                _read(patient, "first_name"),
                "First name",
                required=True,
                max_length=MAX_NAME_LENGTH,
            ),
        ),
        (
            "last_name",
            _text_problem(
                _read(patient, "last_name"), "Last name", required=True, max_length=MAX_NAME_LENGTH
            ),
        ),
        ("date_of_birth", _date_of_birth_problem(_read(patient, "date_of_birth"), today)),
        ("sex", _sex_problem(_read(patient, "sex"))),
        ("email", _email_problem(_read(patient, "email"))),
        ("phone_number", _phone_problem(_read(patient, "phone_number"))),
        (
            "external_identifier",
            _text_problem(
                _read(patient, "external_identifier"),
                "External id (MRN)",
                required=False,
                max_length=MAX_EXTERNAL_IDENTIFIER_LENGTH,
            ),
        ),
        ("site_id", _site_problem(_read(patient, "site_id"))),
    ]
    for field, message in checks:
        if message:
            yield Problem(f"{key}.{field}", message)
    address = _read(patient, "address")
    if address is None:
        yield Problem(f"{key}.address", "Enter the patient's shipping address")
    else:
        yield from _address(address, f"{key}.address")
