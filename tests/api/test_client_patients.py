"""The client's patient writes against the real sandbox: an order that creates its patient
(built from a draft, as the app sends it), and PATCH through `patch_patient`."""

from __future__ import annotations

import httpx
import pytest

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.errors import NotFound, RequestRejected
from impilo_desktop.api.models import AddressCreate, PatientPatch
from impilo_desktop.domain import OrderDraft, to_order_create
from impilo_desktop.domain.new_patient import NewPatient, UsAddress
from impilo_desktop.sandbox import SandboxServer

pytestmark = pytest.mark.anyio

NEW_HOME = AddressCreate(line_one="2 Birch Row", city="Scranton", state="PA", zip_code="18503")


def change_counts(server: SandboxServer, patient_id: int) -> tuple[int, int]:
    with httpx.Client(base_url=server.base_url, headers={"Impilo-API-Key": server.api_key}) as c:
        body = c.get(f"/_sandbox/patients/{patient_id}/changes").json()
    return body["changed"], body["unchanged"]


def new_patient_draft() -> OrderDraft:
    draft = OrderDraft()
    draft.set_new_patient(
        NewPatient(
            first_name=" Ada ",
            last_name="Okafor",
            date_of_birth="1961-02-28",
            sex="female",
            email="ada.okafor@mail.example.net",
            phone_number="(570) 555-0142",
            external_identifier="MRN-CLIENT-1",
            site_id=104,
            address=UsAddress(
                line_one="18 Larch Lane", city="Dunmore", state="pa", zip_code="185120042"
            ),
        )
    )
    draft.add_item(1001, 1)
    return draft


async def test_an_order_creates_its_new_patient(sandbox_client: ImpiloClient) -> None:
    order = await sandbox_client.create_order(to_order_create(new_patient_draft(), "desk-np-9"))
    patient = order.patient
    assert patient is not None
    assert patient.id is not None
    assert (patient.first_name, patient.last_name, patient.sex) == ("Ada", "Okafor", "female")
    assert patient.address is not None
    assert (patient.address.state, patient.address.zip_code) == ("PA", "18512-0042")
    assert patient.site is not None
    assert patient.site.id == 104
    found = await sandbox_client.get_patient_by_external_identifier("MRN-CLIENT-1")
    assert found.id == patient.id
    # The same patient again is refused, naming why.
    with pytest.raises(RequestRejected) as refused:
        await sandbox_client.create_order(to_order_create(new_patient_draft(), "desk-np-10"))
    assert "MRN-CLIENT-1 already exists" in str(refused.value.server_message)


async def test_patch_patient_changes_the_address_once(
    sandbox: SandboxServer, sandbox_client: ImpiloClient
) -> None:
    before = await sandbox_client.get_patient(10001)
    changed = await sandbox_client.patch_patient(10001, PatientPatch(address=NEW_HOME))
    assert changed.address is not None
    assert changed.address.line_one == "2 Birch Row"
    assert (changed.first_name, changed.last_name) == (before.first_name, before.last_name)
    assert changed.phone_number == before.phone_number
    assert change_counts(sandbox, 10001) == (1, 0)
    await sandbox_client.patch_patient(10001, PatientPatch(address=NEW_HOME))
    assert change_counts(sandbox, 10001) == (1, 1)


async def test_patch_patient_refusals(sandbox_client: ImpiloClient) -> None:
    with pytest.raises(NotFound):
        await sandbox_client.patch_patient(99999999, PatientPatch(phone_number="570-555-0100"))
    with pytest.raises(RequestRejected) as refused:
        await sandbox_client.patch_patient(10001, PatientPatch(email="not-an-address"))
    assert "email is not a valid email address" in str(refused.value.server_message)
