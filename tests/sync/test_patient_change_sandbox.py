"""Address corrections against the real sandbox over loopback, one test per outcome:
applied (one write that changed the patient), already applied (no write), changed meanwhile
(held, nothing written), refused (a 4xx with the sandbox's message), offline then online."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.retry import RetryPolicy
from impilo_desktop.domain.patient_change import PatientChange, PatientContact
from impilo_desktop.domain.patient_change_rules import contact_from_patient
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.store import EntryState, Store
from impilo_desktop.sync import OutboxSender, Outcome, StopReason
from tests.store.patient_change_samples import NEW_ADDRESS, address_change

pytestmark = pytest.mark.anyio

PATIENT = 10002


def factory(sandbox: SandboxServer) -> ImpiloClient:
    return ImpiloClient(sandbox.base_url, sandbox.api_key, retry=RetryPolicy(base_delay=0.0))


def make_sender(store: Store, sandbox: SandboxServer) -> OutboxSender:
    return OutboxSender(store, lambda: factory(sandbox))


async def current(sandbox: SandboxServer, patient_id: int = PATIENT) -> PatientContact:
    async with factory(sandbox) as client:
        return contact_from_patient(await client.get_patient(patient_id))


def writes(sandbox: SandboxServer, patient_id: int = PATIENT) -> tuple[int, int]:
    """(writes that changed the patient, writes that changed nothing), as the sandbox counts."""
    response = httpx.get(
        f"{sandbox.base_url}/_sandbox/patients/{patient_id}/changes",
        headers={"Impilo-API-Key": sandbox.api_key},
    )
    response.raise_for_status()
    counts: dict[str, Any] = response.json()
    return counts["changed"], counts["unchanged"]


async def correction(sandbox: SandboxServer, **after: str) -> PatientChange:
    """From what the sandbox holds now to NEW_ADDRESS (with `after`'s fields over it)."""
    before = await current(sandbox)
    return PatientChange(
        patient_id=PATIENT,
        patient_name="Sandbox patient",
        before=before,
        after=PatientContact(
            address=NEW_ADDRESS.model_copy(update=after), phone_number=before.phone_number
        ),
    )


async def test_applied_with_one_write(store: Store, sandbox: SandboxServer) -> None:
    entry = store.enqueue_patient_change(await correction(sandbox), server=sandbox.base_url)
    report = await make_sender(store, sandbox).drain()
    assert [r.outcome for r in report.changes] == [Outcome.SENT]
    assert store.get_patient_change(entry.change_id).state == EntryState.SENT
    assert (await current(sandbox)).address.line_one == NEW_ADDRESS.line_one
    assert writes(sandbox) == (1, 0)


async def test_already_applied_is_not_written_again(store: Store, sandbox: SandboxServer) -> None:
    change = await correction(sandbox)
    first = store.enqueue_patient_change(change, server=sandbox.base_url)
    await make_sender(store, sandbox).drain()
    # The same correction again (as after a crash that lost the first one's `sent`).
    again = store.enqueue_patient_change(change, server=sandbox.base_url)
    report = await make_sender(store, sandbox).drain()
    assert [r.outcome for r in report.changes] == [Outcome.ADOPTED]
    assert store.get_patient_change(again.change_id).state == EntryState.SENT
    assert store.get_patient_change(first.change_id).state == EntryState.SENT
    assert writes(sandbox) == (1, 0)


async def test_changed_meanwhile_is_held_and_nothing_written(
    store: Store, sandbox: SandboxServer
) -> None:
    entry = store.enqueue_patient_change(address_change(PATIENT), server=sandbox.base_url)
    report = await make_sender(store, sandbox).drain()
    assert [r.outcome for r in report.changes] == [Outcome.HELD]
    held = store.get_patient_change(entry.change_id)
    assert held.held_for == "changed"
    assert held.found == await current(sandbox)
    assert writes(sandbox) == (0, 0)


async def test_refused_with_the_sandbox_message(store: Store, sandbox: SandboxServer) -> None:
    bad = await correction(sandbox, zip_code="1257")  # four digits
    entry = store.enqueue_patient_change(bad, server=sandbox.base_url)
    report = await make_sender(store, sandbox).drain()
    assert [r.outcome for r in report.changes] == [Outcome.REJECTED]
    refused = store.get_patient_change(entry.change_id)
    assert refused.state == EntryState.REJECTED
    assert "zip" in (refused.server_message or "").lower()
    assert writes(sandbox) == (0, 0)


async def test_offline_then_online(store: Store, sandbox: SandboxServer) -> None:
    entry = store.enqueue_patient_change(await correction(sandbox), server=sandbox.base_url)
    sandbox.stop()
    offline = await make_sender(store, sandbox).drain()
    assert offline.stopped == StopReason.OFFLINE
    waiting = store.get_patient_change(entry.change_id)
    assert (waiting.state, waiting.attempts) == (EntryState.QUEUED, 0)

    sandbox.start()
    online = await make_sender(store, sandbox).drain(waiting_for_network=True)
    assert [r.outcome for r in online.changes] == [Outcome.SENT]
    assert writes(sandbox) == (1, 0)
