"""PUT and PATCH /patient/{id}: what changes, what is refused (nothing changes then), the
per-patient count of requests that changed something or nothing, and orders showing the
patient as it is now."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from impilo_desktop.sandbox import SandboxServer
from tests.sandbox.helpers import http_client

PATIENT = 10001
NEW_HOME = {"lineOne": "2 Birch Row", "city": "Scranton", "state": "pa", "zipCode": "18503"}


def changes(server: SandboxServer, patient_id: int) -> httpx.Response:
    with httpx.Client(
        base_url=server.base_url, headers={"Impilo-API-Key": server.api_key}
    ) as admin:
        return admin.get(f"/_sandbox/patients/{patient_id}/changes")


def counted(server: SandboxServer, patient_id: int) -> tuple[int, int]:
    body = changes(server, patient_id).json()
    assert body["patientId"] == patient_id
    return body["changed"], body["unchanged"]


def test_a_patch_changes_only_what_it_gives(api: httpx.Client, sandbox: SandboxServer) -> None:
    before = api.get(f"/patient/{PATIENT}").json()
    response = api.patch(
        f"/patient/{PATIENT}",
        json={
            "firstName": before["firstName"],
            "lastName": before["lastName"],
            "address": NEW_HOME,
        },
    )
    assert response.status_code == 200, response.text
    after = response.json()
    assert after["address"] == {**NEW_HOME, "state": "PA", "country": "USA"}
    assert {k: v for k, v in after.items() if k != "address"} == {
        k: v for k, v in before.items() if k != "address"
    }
    assert api.get(f"/patient/{PATIENT}").json() == after
    assert counted(sandbox, PATIENT) == (1, 0)

    phone = api.patch(f"/patient/{PATIENT}", json={"phoneNumber": "570-555-0199"}).json()
    assert phone["phoneNumber"] == "570-555-0199"
    assert phone["address"] == after["address"]
    assert counted(sandbox, PATIENT) == (2, 0)


def test_the_same_change_again_changes_nothing_and_is_counted_so(
    api: httpx.Client, sandbox: SandboxServer
) -> None:
    assert counted(sandbox, PATIENT) == (0, 0)
    for _ in range(3):
        assert api.patch(f"/patient/{PATIENT}", json={"address": NEW_HOME}).status_code == 200
    assert counted(sandbox, PATIENT) == (1, 2)
    assert counted(sandbox, PATIENT + 1) == (0, 0)


def test_orders_show_the_patient_as_it_is_now(api: httpx.Client) -> None:
    placed = api.post(
        "/order",
        json={"patient": {"id": PATIENT}, "orderItems": [{"item": {"id": 1001}, "count": 1}]},
    ).json()
    api.patch(f"/patient/{PATIENT}", json={"address": NEW_HOME})
    shown = api.get(f"/order/{placed['id']}").json()["patient"]["address"]
    assert shown["lineOne"] == "2 Birch Row"


def test_lookups_follow_a_changed_identifier_and_email(
    api: httpx.Client, sandbox: SandboxServer
) -> None:
    seeded = sandbox.seed.patients[PATIENT]
    assert seeded.email
    api.patch(
        f"/patient/{PATIENT}",
        json={"externalIdentifier": "MRN-MOVED", "email": "moved@clinic.example.org"},
    )
    assert api.get(f"/patient/identifier/{seeded.external_identifier}").status_code == 404
    assert api.get("/patient/identifier/MRN-MOVED").json()["id"] == PATIENT
    assert api.post("/patient/find-by-email", json={"email": seeded.email}).status_code == 404
    assert (
        api.post("/patient/find-by-email", json={"email": "moved@clinic.example.org"}).json()["id"]
        == PATIENT
    )
    assert (
        api.get("/patient", params={"externalIdentifier": seeded.external_identifier}).json()[
            "total"
        ]
        == 0
    )
    # The old values are free again.
    other = api.patch(
        f"/patient/{PATIENT + 1}", json={"externalIdentifier": seeded.external_identifier}
    )
    assert other.status_code == 200


def test_a_put_replaces_the_whole_patient(api: httpx.Client, sandbox: SandboxServer) -> None:
    before = api.get(f"/patient/{PATIENT}").json()
    replaced = api.put(
        f"/patient/{PATIENT}",
        json={
            "id": PATIENT,
            "firstName": "Ada",
            "lastName": "Okafor",
            "address": NEW_HOME,
            "archived": False,
        },
    )
    assert replaced.status_code == 200, replaced.text
    after = replaced.json()
    assert (after["firstName"], after["lastName"]) == ("Ada", "Okafor")
    # Fields left out of a full update are cleared; id, archived and enrolled stay.
    for cleared in ("email", "phoneNumber", "externalIdentifier", "dateOfBirth", "sex", "site"):
        assert cleared not in after
    assert (after["id"], after["archived"], after["enrolled"]) == (
        PATIENT,
        before["archived"],
        before["enrolled"],
    )
    assert api.get("/patient", params={"name": "ada okafor"}).json()["content"] == [after]
    assert counted(sandbox, PATIENT) == (1, 0)


def test_a_put_needs_the_names_and_the_address(api: httpx.Client) -> None:
    response = api.put(f"/patient/{PATIENT}", json={"phoneNumber": "570-555-0199"})
    assert response.status_code == 400
    assert response.json()["message"] == (
        "firstName is required. lastName is required. address is required."
    )


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        ({"firstName": ""}, "patient_field_required", "firstName is required."),
        ({"address": {"lineOne": "2 Birch Row"}}, "patient_field_required",
         "address.city is required. address.state is required. address.zipCode is required."),
        ({"address": {**NEW_HOME, "zipCode": "ABCDE"}}, "invalid_patient_field",
         "address.zipCode must be 5 digits or ZIP+4 (12345-6789)."),
        ({"email": "moved"}, "invalid_patient_field", "email is not a valid email address."),
        ({"dateOfBirth": "1961-13-01"}, "invalid_patient_field",
         "dateOfBirth must be a past date written YYYY-MM-DD."),
        ({"id": PATIENT + 1}, "invalid_patient_field",
         f"id must be {PATIENT}, the patient's own id."),
        ({"favouriteColour": "teal"}, "unknown_field", "favouriteColour is not a known field."),
    ],
)  # fmt: skip
def test_a_refused_patch_changes_nothing(
    api: httpx.Client, sandbox: SandboxServer, change: dict[str, Any], code: str, message: str
) -> None:
    before = api.get(f"/patient/{PATIENT}").json()
    response = api.patch(f"/patient/{PATIENT}", json=change)
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["message"]) == (code, message)
    assert api.get(f"/patient/{PATIENT}").json() == before
    assert counted(sandbox, PATIENT) == (0, 0)


def test_a_patch_may_not_take_another_patients_identifier_or_email(
    api: httpx.Client, sandbox: SandboxServer
) -> None:
    other = sandbox.seed.patients[PATIENT + 1]
    taken = api.patch(f"/patient/{PATIENT}", json={"externalIdentifier": other.external_identifier})
    assert taken.status_code == 400
    assert taken.json()["code"] == "duplicate_external_identifier"
    own = sandbox.seed.patients[PATIENT]
    kept = api.patch(f"/patient/{PATIENT}", json={"externalIdentifier": own.external_identifier})
    assert kept.status_code == 200  # its own identifier is no conflict


def test_unknown_patients_and_bodies(api: httpx.Client, sandbox: SandboxServer) -> None:
    assert api.patch("/patient/99999999", json={"phoneNumber": "1"}).status_code == 404
    assert api.put("/patient/99999999", json={}).status_code == 404
    assert changes(sandbox, 99999999).status_code == 404
    not_json = api.patch(
        f"/patient/{PATIENT}", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert not_json.json()["code"] == "malformed_json"
    listed = api.patch(f"/patient/{PATIENT}", json=[1])
    assert listed.json()["code"] == "invalid_body"


def test_the_change_counts_need_the_key(sandbox: SandboxServer) -> None:
    with httpx.Client(base_url=sandbox.base_url) as anonymous:
        assert anonymous.get(f"/_sandbox/patients/{PATIENT}/changes").status_code == 401


def test_a_reset_forgets_changed_and_created_patients(sandbox: SandboxServer) -> None:
    with http_client(sandbox) as api:
        api.patch(f"/patient/{PATIENT}", json={"address": NEW_HOME})
        sandbox.reset()
        assert api.get(f"/patient/{PATIENT}").json()["address"]["lineOne"] != "2 Birch Row"
        assert counted(sandbox, PATIENT) == (0, 0)
