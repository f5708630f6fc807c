"""The state file keeps patients too: those created with orders, seeded ones changed by
PUT/PATCH, the change counts and the next patient id. A file from before patients were kept
(format 1) is still read; one naming a patient it does not hold is set aside."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.sandbox.persist import STATE_FILE_NAME
from tests.sandbox.helpers import http_client

HOUR = 3600.0
FIRST_NEW_PATIENT = 12001
NEW_HOME = {"lineOne": "2 Birch Row", "city": "Scranton", "state": "PA", "zipCode": "18503"}
NEW_PATIENT = {
    "firstName": "Ada",
    "lastName": "Okafor",
    "email": "ada.okafor@mail.example.net",
    "externalIdentifier": "MRN-NEW-7",
    "address": {"lineOne": "18 Larch Lane", "city": "Dunmore", "state": "PA", "zipCode": "18512"},
}


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    return tmp_path / "sandbox" / STATE_FILE_NAME


@contextmanager
def serving(path: Path) -> Iterator[tuple[SandboxServer, httpx.Client]]:
    server = SandboxServer(state_file=path, progress_seconds=HOUR)
    server.start()
    try:
        with http_client(server) as api:
            yield server, api
    finally:
        server.close()


def order_for(patient: dict[str, Any]) -> dict[str, Any]:
    return {"patient": patient, "orderItems": [{"item": {"id": 1001}, "count": 1}]}


def changes(server: SandboxServer, patient_id: int) -> dict[str, Any]:
    with httpx.Client(base_url=server.base_url, headers={"Impilo-API-Key": server.api_key}) as c:
        body: dict[str, Any] = c.get(f"/_sandbox/patients/{patient_id}/changes").json()
        return body


def test_created_and_changed_patients_outlive_the_server(state_path: Path) -> None:
    with serving(state_path) as (server, api):
        placed = api.post("/order", json=order_for(NEW_PATIENT)).json()
        new_id = placed["patient"]["id"]
        assert new_id == FIRST_NEW_PATIENT
        api.patch("/patient/10001", json={"address": NEW_HOME})
        api.patch("/patient/10001", json={"address": NEW_HOME})
        api.patch(f"/patient/{new_id}", json={"phoneNumber": "570-555-0142"})
        before = {
            "order": api.get(f"/order/{placed['id']}").json(),
            "new": api.get(f"/patient/{new_id}").json(),
            "seeded": api.get("/patient/10001").json(),
        }
    assert before["order"]["patient"] == before["new"]

    with serving(state_path) as (server, api):
        assert api.get(f"/order/{placed['id']}").json() == before["order"]
        assert api.get(f"/patient/{new_id}").json() == before["new"]
        assert api.get("/patient/10001").json() == before["seeded"]
        assert api.get("/patient/identifier/MRN-NEW-7").json()["id"] == new_id
        found = api.post("/patient/find-by-email", json={"email": NEW_PATIENT["email"]})
        assert found.json()["id"] == new_id
        assert changes(server, 10001) == {"patientId": 10001, "changed": 1, "unchanged": 1}
        assert changes(server, new_id) == {"patientId": new_id, "changed": 1, "unchanged": 0}
        # Still unique, and the next patient gets the next id.
        assert api.post("/order", json=order_for(NEW_PATIENT)).status_code == 400
        other = {**NEW_PATIENT, "email": "bo@clinic.example.org", "externalIdentifier": "MRN-8"}
        assert api.post("/order", json=order_for(other)).json()["patient"]["id"] == new_id + 1


def test_a_reset_forgets_patients_but_not_their_ids(state_path: Path) -> None:
    with serving(state_path) as (server, api):
        first = api.post("/order", json=order_for(NEW_PATIENT)).json()["patient"]["id"]
        server.reset()
        assert api.get(f"/patient/{first}").status_code == 404
        again = api.post("/order", json=order_for(NEW_PATIENT)).json()["patient"]["id"]
        assert again == first + 1
    with serving(state_path) as (_server, api):
        assert api.get(f"/patient/{first}").status_code == 404
        assert api.get(f"/patient/{again}").status_code == 200


def test_a_file_from_before_patients_were_kept_is_read(state_path: Path) -> None:
    with serving(state_path) as (_server, api):
        placed = api.post("/order", json=order_for({"id": 10002})).json()
    document = json.loads(state_path.read_bytes())
    assert document["format"] == 2
    for key in ("nextPatientId", "patients", "patientChanges"):
        del document[key]
    document["format"] = 1
    state_path.write_text(json.dumps(document), encoding="utf-8")

    with serving(state_path) as (server, api):
        assert server.state_file is not None
        assert server.state_file.problem is None
        assert api.get(f"/order/{placed['id']}").status_code == 200
        created = api.post("/order", json=order_for(NEW_PATIENT)).json()
        assert created["patient"]["id"] == FIRST_NEW_PATIENT
    assert json.loads(state_path.read_bytes())["format"] == 2


@pytest.mark.parametrize("damage", ["order names a lost patient", "patient at no site"])
def test_a_file_naming_a_patient_it_does_not_hold_is_set_aside(
    state_path: Path, damage: str
) -> None:
    with serving(state_path) as (_server, api):
        api.post("/order", json=order_for(NEW_PATIENT))
    document = json.loads(state_path.read_bytes())
    if damage == "order names a lost patient":
        document["patients"] = []
    else:
        document["patients"][0]["site_id"] = 999
    state_path.write_text(json.dumps(document), encoding="utf-8")
    with serving(state_path) as (server, api):
        assert server.state_file is not None
        assert "were not used" in (server.state_file.problem or "")
        assert api.get(f"/patient/{FIRST_NEW_PATIENT}").status_code == 404
