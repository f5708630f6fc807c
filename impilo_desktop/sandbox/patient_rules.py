"""The rules for a Patient object the sandbox is sent: a new patient inside `POST /order`
(no id), `PUT /patient/{id}` (the whole patient) and `PATCH /patient/{id}` (only the fields
given change).

Required (impilo-api.md 1.7, 3.3): `firstName`, `lastName` and an `address` with `lineOne`,
`city`, `state` and `zipCode`; `country` defaults to USA. Formats the docs leave open are the
sandbox's, as a US shipper would plausibly check them: a two-letter US state code, a ZIP of 5
digits or ZIP+4, a YYYY-MM-DD date of birth that is a real day and not in the future, an email
with one @ and a dotted domain, `sex` one of female/male/other/unknown. An external identifier
or email already used by another patient is refused.

Every problem is found before anything changes, and the one 400 names each field that is
missing or wrong ("patient.address.zipCode is required. patient.email is not a valid email
address."); its code is the first problem's. `id` (when it is the patient's own), `archived`
and `enrolled` are read and ignored: disenrolling is its own endpoint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from impilo_desktop.sandbox.errors import bad_request
from impilo_desktop.sandbox.patients import Patients
from impilo_desktop.sandbox.seed import JsonDict, PatientRecord

# The 50 states, DC, the territories and the military "states".
US_STATE_CODES = frozenset({
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ",
    "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT",
    "VA", "WA", "WV", "WI", "WY", "DC", "PR", "VI", "GU", "AS", "MP", "AA", "AE", "AP",
})  # fmt: skip
SEXES = ("female", "male", "other", "unknown")
COUNTRIES = {"USA": "USA", "US": "USA", "UNITED STATES": "USA"}
MAX_TEXT = 200
_ZIP = re.compile(r"\d{5}(-\d{4})?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")

PATIENT_FIELDS = frozenset(
    {
        "firstName",
        "lastName",
        "dateOfBirth",
        "sex",
        "email",
        "phoneNumber",
        "externalIdentifier",
        "site",
        "address",
    }
)
IGNORED_FIELDS = frozenset({"id", "archived", "enrolled"})
ADDRESS_FIELDS = frozenset(
    {"lineOne", "lineTwo", "lineThree", "city", "state", "zipCode", "country", "note"}
)


@dataclass
class _Check:
    """The problems found so far: (code, sentence)."""

    where: str
    problems: list[tuple[str, str]]

    def name(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def add(self, code: str, key: str, sentence: str) -> None:
        self.problems.append((code, f"{self.name(key)} {sentence}."))


def _text(
    check: _Check, raw: JsonDict, key: str, *, required: bool, max_length: int = MAX_TEXT
) -> str | None:
    """The trimmed text of `raw[key]`; None when absent (a problem when required)."""
    value = raw.get(key)
    if value is None or (isinstance(value, str) and not value.strip() and not required):
        if required:
            check.add("patient_field_required", key, "is required")
        return None
    if not isinstance(value, str):
        check.add("invalid_patient_field", key, "must be a string")
        return None
    text = value.strip()
    if not text:
        check.add("patient_field_required", key, "is required")
        return None
    if len(text) > max_length:
        check.add("invalid_patient_field", key, f"is longer than {max_length} characters")
        return None
    return text


def _unknown(check: _Check, raw: JsonDict, allowed: frozenset[str]) -> None:
    for key in sorted(set(raw) - allowed):
        check.add("unknown_field", key, "is not a known field")


def _address(check: _Check, raw: Any) -> dict[str, Any] | None:
    """The PatientRecord address fields of an Address object."""
    if not isinstance(raw, dict):
        check.add("invalid_patient_field", "address", "must be an object")
        return None
    inner = _Check(check.name("address"), check.problems)
    _unknown(inner, raw, ADDRESS_FIELDS)
    line_one = _text(inner, raw, "lineOne", required=True)
    line_two = _text(inner, raw, "lineTwo", required=False)
    _text(inner, raw, "lineThree", required=False)  # accepted, not kept
    _text(inner, raw, "note", required=False)  # accepted, not kept
    city = _text(inner, raw, "city", required=True)
    state = _text(inner, raw, "state", required=True)
    if state is not None and state.upper() not in US_STATE_CODES:
        inner.add("invalid_patient_field", "state", "must be a two-letter US state code")
    zip_code = _text(inner, raw, "zipCode", required=True)
    if zip_code is not None and not _ZIP.fullmatch(zip_code):
        inner.add("invalid_patient_field", "zipCode", "must be 5 digits or ZIP+4 (12345-6789)")
    country = _text(inner, raw, "country", required=False) or "USA"
    if country.upper() not in COUNTRIES:
        inner.add("invalid_patient_field", "country", "must be USA: Impilo ships within the US")
    return {
        "line_one": line_one,
        "line_two": line_two,
        "city": city,
        "state": state.upper() if state else state,
        "zip_code": zip_code,
        "country": COUNTRIES.get(country.upper(), country),
    }


def _fields(
    check: _Check, raw: JsonDict, patients: Patients, today: date, *, partial: bool
) -> dict[str, Any]:
    """The PatientRecord fields `raw` gives (all of them unless `partial`)."""
    _unknown(check, raw, PATIENT_FIELDS | IGNORED_FIELDS)
    given: dict[str, Any] = {}

    def present(key: str) -> bool:
        return not partial or raw.get(key) is not None

    for key, attr in (("firstName", "first_name"), ("lastName", "last_name")):
        if present(key):
            given[attr] = _text(check, raw, key, required=True, max_length=100)
    if present("dateOfBirth"):
        born = _text(check, raw, "dateOfBirth", required=False)
        if born is not None and not _is_past_date(born, today):
            check.add(
                "invalid_patient_field", "dateOfBirth", "must be a past date written YYYY-MM-DD"
            )
        given["date_of_birth"] = born or ""
    if present("sex"):
        sex = _text(check, raw, "sex", required=False)
        if sex is not None and sex not in SEXES:
            check.add("invalid_patient_field", "sex", "must be female, male, other or unknown")
        given["sex"] = sex or ""
    if present("email"):
        email = _text(check, raw, "email", required=False, max_length=254)
        if email is not None and not _EMAIL.fullmatch(email):
            check.add("invalid_patient_field", "email", "is not a valid email address")
        given["email"] = email
    if present("phoneNumber"):
        given["phone_number"] = _text(check, raw, "phoneNumber", required=False, max_length=40)
        given["phone_number"] = given["phone_number"] or ""
    if present("externalIdentifier"):
        ident = _text(check, raw, "externalIdentifier", required=False, max_length=100)
        given["external_identifier"] = ident or ""
    if present("site"):
        given["site_id"] = _site(check, raw.get("site"), patients)
    if not partial or raw.get("address") is not None:
        if raw.get("address") is None:
            check.add("patient_field_required", "address", "is required")
        else:
            address = _address(check, raw["address"])
            if address is not None:
                given.update(address)
    return given


def _site(check: _Check, raw: Any, patients: Patients) -> int | None:
    if raw is None:
        return None
    ident = raw.get("id") if isinstance(raw, dict) else None
    if not isinstance(ident, int) or isinstance(ident, bool) or ident < 1:
        check.add("invalid_patient_field", "site", "must be a site given by its id")
        return None
    if ident not in patients.seed.sites:
        check.add("site_not_found", "site.id", f"names no site (there is no site {ident})")
        return None
    return ident


def _is_past_date(text: str, today: date) -> bool:
    if not _DATE.fullmatch(text):
        return False
    try:
        return date.fromisoformat(text) <= today
    except ValueError:
        return False


def _unique(check: _Check, record: PatientRecord, patients: Patients) -> None:
    """Another patient must not hold the same external identifier or email."""
    if record.external_identifier:
        holder = patients.with_identifier(record.external_identifier)
        if holder is not None and holder.id != record.id:
            check.problems.append(
                (
                    "duplicate_external_identifier",
                    f"A patient with externalIdentifier {record.external_identifier}"
                    " already exists.",
                )
            )
    if record.email:
        holder = patients.with_email(record.email)
        if holder is not None and holder.id != record.id:
            check.problems.append(
                ("duplicate_email", f"A patient with email {record.email} already exists.")
            )


def _raise_if_any(check: _Check) -> None:
    if check.problems:
        code = check.problems[0][0]
        raise bad_request(code, " ".join(sentence for _, sentence in check.problems))


def _object(raw: Any, where: str) -> JsonDict:
    if not isinstance(raw, dict):
        raise bad_request("invalid_body", f"{where or 'The request body'} must be a JSON object.")
    return raw


def new_patient(raw: Any, patients: Patients, today: date, where: str = "patient") -> PatientRecord:
    """The record of a patient to create (with the next patient id); a 400 naming every
    missing or invalid field otherwise."""
    check = _Check(where, [])
    fields = _fields(check, _object(raw, where), patients, today, partial=False)
    _raise_if_any(check)
    record = PatientRecord(
        id=patients.next_id,
        archived=False,
        enrolled=True,
        search_name="",
        **_defaults(fields),
    )
    record.search_name = f"{record.first_name} {record.last_name}".lower()
    _unique(check, record, patients)
    _raise_if_any(check)
    return record


def changed_patient(
    raw: Any, current: PatientRecord, patients: Patients, today: date, *, partial: bool
) -> PatientRecord:
    """`current` with the fields of a PUT (`partial=False`: every field, absent ones cleared)
    or a PATCH (only the fields given); a 400 naming every missing or invalid field."""
    check = _Check("", [])
    body = _object(raw, "")
    ident = body.get("id")
    if ident is not None and ident != current.id:
        check.add("invalid_patient_field", "id", f"must be {current.id}, the patient's own id")
    fields = _fields(check, body, patients, today, partial=partial)
    _raise_if_any(check)
    if not partial:
        fields = _defaults(fields)
    record = replace(current, **fields)
    record.search_name = f"{record.first_name} {record.last_name}".lower()
    _unique(check, record, patients)
    _raise_if_any(check)
    return record


def _defaults(fields: dict[str, Any]) -> dict[str, Any]:
    """Every PatientRecord field a request sets, the absent ones as "not given"."""
    return {
        "first_name": fields["first_name"],
        "last_name": fields["last_name"],
        "date_of_birth": fields.get("date_of_birth", ""),
        "sex": fields.get("sex", ""),
        "email": fields.get("email"),
        "phone_number": fields.get("phone_number", ""),
        "external_identifier": fields.get("external_identifier", ""),
        "site_id": fields.get("site_id"),
        "line_one": fields["line_one"],
        "line_two": fields.get("line_two"),
        "city": fields["city"],
        "state": fields["state"],
        "zip_code": fields["zip_code"],
        "country": fields.get("country", "USA"),
    }
