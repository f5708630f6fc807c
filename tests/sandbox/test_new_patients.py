"""POST /order with a patient without an id: the patient is created with the order, after every
rule passed; a 400 names each missing or invalid field and creates nothing; the new patient is
found by every patient read."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from impilo_desktop.sandbox import SandboxServer

ITEM = 1001
SEEDED_PATIENTS = 2000
FIRST_NEW_PATIENT = 10001 + SEEDED_PATIENTS


def address(**overrides: Any) -> dict[str, Any]:
    home = {"lineOne": "18 Larch Lane", "city": "Dunmore", "state": "PA", "zipCode": "18512"}
    home.update(overrides)
    return {k: v for k, v in home.items() if v is not None}


def new_patient(**overrides: Any) -> dict[str, Any]:
    patient: dict[str, Any] = {
        "firstName": "Ada",
        "lastName": "Okafor",
        "email": "ada.okafor@mail.example.net",
        "sex": "female",
        "address": address(),
    }
    patient.update(overrides)
    return {k: v for k, v in patient.items() if v is not None}


def order(patient: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"patient": patient, "orderItems": [{"item": {"id": ITEM}, "count": 1}], **extra}


def refused(api: httpx.Client, payload: Any) -> dict[str, Any]:
    """The 400 for `payload`, after checking nothing was created."""
    before = api.get("/order", params={"size": 1}).json()["total"]
    patients_before = api.get("/patient", params={"size": 1}).json()["total"]
    response = api.post("/order", json=payload)
    assert response.status_code == 400, response.text
    error: dict[str, Any] = response.json()
    assert set(error) == {"status", "error", "message", "code"}
    assert api.get("/order", params={"size": 1}).json()["total"] == before
    assert api.get("/patient", params={"size": 1}).json()["total"] == patients_before
    return error


def test_a_new_patient_is_created_with_the_order(api: httpx.Client) -> None:
    sent = new_patient(
        dateOfBirth="1961-02-28",
        phoneNumber="570-555-0142",
        externalIdentifier="MRN-NEW-1",
        site={"id": 104},
        address=address(lineTwo="Unit 3", zipCode="18512-0042", country="USA"),
    )
    response = api.post("/order", json=order(sent, externalOrderIds=["desk-np-1"]))
    assert response.status_code == 200, response.text
    created = response.json()
    patient = created["patient"]
    assert patient["id"] == FIRST_NEW_PATIENT
    assert {k: patient[k] for k in sent if k != "site"} == {
        k: v for k, v in sent.items() if k != "site"
    }
    assert patient["site"]["id"] == 104
    assert patient["archived"] is False
    assert patient["enrolled"] is True

    pid = patient["id"]
    assert api.get(f"/patient/{pid}").json() == patient
    assert api.get("/patient/identifier/MRN-NEW-1").json() == patient
    found = api.post("/patient/find-by-email", json={"email": "ADA.OKAFOR@mail.example.net"})
    assert found.json() == patient
    by_name = api.get("/patient", params={"name": "ada okafor"}).json()
    assert [p["id"] for p in by_name["content"]] == [pid]
    listed = api.get("/patient", params={"size": 1, "sort": "patientId", "sortDescending": True})
    assert listed.json()["content"] == [patient]
    assert listed.json()["total"] == SEEDED_PATIENTS + 1
    by_site = api.get("/patient", params={"siteId": 104, "size": 250}).json()["content"]
    assert pid in [p["id"] for p in by_site]
    assert api.get("/patient", params={"externalIdentifier": "MRN-NEW-1"}).json()["content"] == [
        patient
    ]
    assert api.get("/order", params={"patientId": pid}).json()["content"] == [created]


def test_the_spec_shaped_minimum_and_the_next_id(api: httpx.Client) -> None:
    # Names, email, sex and address; no site, date of birth, phone or identifier.
    first = api.post("/order", json=order(new_patient())).json()["patient"]
    assert first["id"] == FIRST_NEW_PATIENT
    assert "site" not in first
    assert first["address"]["country"] == "USA"  # the default
    second = api.post(
        "/order", json=order(new_patient(firstName="Bo", lastName="Lind", email=None))
    ).json()
    assert second["patient"]["id"] == FIRST_NEW_PATIENT + 1
    # The created patient is an ordinary recipient from now on.
    again = api.post("/order", json=order({"id": first["id"]}))
    assert again.status_code == 200
    assert again.json()["patient"] == first


def test_a_new_patients_order_moves_on_and_ships(api: httpx.Client, sandbox: SandboxServer) -> None:
    created = api.post("/order", json=order(new_patient())).json()
    sandbox.advance_time(3 * sandbox.state.progress_seconds)
    delivered = api.get(f"/order/{created['id']}").json()
    assert delivered["currentStatus"] == "delivered"
    assert delivered["devices"]  # a patient without a site: its devices name none
    assert all("site" not in device for device in delivered["devices"])


@pytest.mark.parametrize(
    ("patient", "code", "message"),
    [
        (new_patient(firstName=None), "patient_field_required", "patient.firstName is required."),
        (new_patient(lastName="  "), "patient_field_required", "patient.lastName is required."),
        (new_patient(firstName=7), "invalid_patient_field", "patient.firstName must be a string."),
        (new_patient(address=None), "patient_field_required", "patient.address is required."),
        (
            new_patient(address="home"),
            "invalid_patient_field",
            "patient.address must be an object.",
        ),
        (
            new_patient(address=address(lineOne=None)),
            "patient_field_required",
            "patient.address.lineOne is required.",
        ),
        (
            new_patient(address=address(city="")),
            "patient_field_required",
            "patient.address.city is required.",
        ),
        (
            new_patient(address=address(state=None)),
            "patient_field_required",
            "patient.address.state is required.",
        ),
        (
            new_patient(address=address(state="Pennsylvania")),
            "invalid_patient_field",
            "patient.address.state must be a two-letter US state code.",
        ),
        (
            new_patient(address=address(zipCode=None)),
            "patient_field_required",
            "patient.address.zipCode is required.",
        ),
        (
            new_patient(address=address(zipCode="1851")),
            "invalid_patient_field",
            "patient.address.zipCode must be 5 digits or ZIP+4 (12345-6789).",
        ),
        (
            new_patient(address=address(country="Canada")),
            "invalid_patient_field",
            "patient.address.country must be USA: Impilo ships within the US.",
        ),
        (
            new_patient(address=address(floor=2)),
            "unknown_field",
            "patient.address.floor is not a known field.",
        ),
        (
            new_patient(email="ada@clinic"),
            "invalid_patient_field",
            "patient.email is not a valid email address.",
        ),
        (
            new_patient(email="ada okafor@clinic.example"),
            "invalid_patient_field",
            "patient.email is not a valid email address.",
        ),
        (
            new_patient(dateOfBirth="02/28/1961"),
            "invalid_patient_field",
            "patient.dateOfBirth must be a past date written YYYY-MM-DD.",
        ),
        (
            new_patient(dateOfBirth="1961-02-30"),
            "invalid_patient_field",
            "patient.dateOfBirth must be a past date written YYYY-MM-DD.",
        ),
        (
            new_patient(dateOfBirth="2999-01-01"),
            "invalid_patient_field",
            "patient.dateOfBirth must be a past date written YYYY-MM-DD.",
        ),
        (
            new_patient(sex="f"),
            "invalid_patient_field",
            "patient.sex must be female, male, other or unknown.",
        ),
        (
            new_patient(site={"id": 999}),
            "site_not_found",
            "patient.site.id names no site (there is no site 999).",
        ),
        (
            new_patient(site={"name": "North"}),
            "invalid_patient_field",
            "patient.site must be a site given by its id.",
        ),
        (new_patient(nickname="Dee"), "unknown_field", "patient.nickname is not a known field."),
    ],
)
def test_each_missing_or_invalid_field_is_named(
    api: httpx.Client, patient: dict[str, Any], code: str, message: str
) -> None:
    error = refused(api, order(patient))
    assert (error["code"], error["message"]) == (code, message)


def test_every_problem_is_named_in_one_answer(api: httpx.Client) -> None:
    patient = {"email": "nope", "address": {"lineOne": "1 Elm St", "state": "ZZ"}}
    error = refused(api, order(patient))
    assert error["code"] == "patient_field_required"
    assert error["message"] == (
        "patient.firstName is required. patient.lastName is required."
        " patient.email is not a valid email address. patient.address.city is required."
        " patient.address.state must be a two-letter US state code."
        " patient.address.zipCode is required."
    )


def test_a_valid_patient_with_a_broken_order_creates_nothing(api: httpx.Client) -> None:
    error = refused(
        api, {"patient": new_patient(), "orderItems": [{"item": {"id": 1}, "count": 1}]}
    )
    assert error["code"] == "item_not_found"
    assert (
        api.post("/patient/find-by-email", json={"email": new_patient()["email"]}).status_code
        == 404
    )


def test_an_identifier_or_email_already_used_is_refused(
    api: httpx.Client, sandbox: SandboxServer
) -> None:
    seeded = sandbox.seed.patients[10001]
    error = refused(api, order(new_patient(externalIdentifier=seeded.external_identifier)))
    assert error["code"] == "duplicate_external_identifier"
    assert error["message"] == (
        f"A patient with externalIdentifier {seeded.external_identifier} already exists."
    )
    assert seeded.email
    error = refused(api, order(new_patient(email=seeded.email.upper())))
    assert error["code"] == "duplicate_email"
    assert error["message"] == f"A patient with email {seeded.email.upper()} already exists."
    # A patient created with an order holds its identifier and email too.
    first = new_patient(externalIdentifier="MRN-NEW-2")
    assert api.post("/order", json=order(first)).status_code == 200
    assert refused(api, order(first))["code"] == "duplicate_external_identifier"
    again = new_patient(firstName="Other")
    assert refused(api, order(again))["code"] == "duplicate_email"
