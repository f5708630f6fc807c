"""Asking Impilo for patients by name the way the picker shows them ("Doe, Jane") or a
coordinator says them ("Jane Doe"): a patient Impilo has is found either way, so a patient
created this morning is not offered as a new patient again."""

from __future__ import annotations

import pytest

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.ui.order_entry.reference import lookup_patients

pytestmark = pytest.mark.anyio


async def test_two_names_in_either_order_find_the_patient(sandbox_client: ImpiloClient) -> None:
    page = await sandbox_client.list_patients(size=1)
    someone = page.content[0]
    first, last = someone.first_name or "", someone.last_name or ""
    for typed in (f"{last}, {first}", f"{first} {last}", f"{last.upper()}, {first[:3]}"):
        found = await lookup_patients(sandbox_client, typed)
        assert someone.id in [p.id for p in found], typed


async def test_the_other_names_narrow_what_the_surname_found(
    sandbox_client: ImpiloClient,
) -> None:
    page = await sandbox_client.list_patients(size=1)
    someone = page.content[0]
    found = await lookup_patients(sandbox_client, f"{someone.last_name}, Qzxv")
    assert found == []
