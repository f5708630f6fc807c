"""A patient's corrections go to Impilo one at a time, oldest first: a later one waits while an
earlier one is sending, in doubt, held or refused, so a late PATCH can never leave Impilo with
the older address while both say sent (review of issue 14, finding 1)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from impilo_desktop.domain.new_patient import UsAddress
from impilo_desktop.store import EntryState, Store
from impilo_desktop.sync import DEFAULT_SETTLE, OutboxSender
from tests.store.patient_change_samples import OLD_ADDRESS, address_change
from tests.sync.conftest import Clock
from tests.sync.fake_impilo import BASE_URL, FakeImpilo, request_for
from tests.sync.test_patient_change_sender import PATIENT, impilo_patient, wire_address

pytestmark = pytest.mark.anyio
__all__ = ["impilo_patient"]  # the fixture, shared with the sender's tests

FIRST = UsAddress(line_one="7 Wren Court", city="Millbrook", state="NY", zip_code="12545")
SECOND = UsAddress(line_one="9 Wren Court", city="Millbrook", state="NY", zip_code="12545")


def lost_answer() -> tuple[str, httpx.ReadTimeout]:
    return ("raise", httpx.ReadTimeout("answer lost", request=request_for("PATCH")))


async def test_a_late_first_patch_never_leaves_the_older_address_behind_two_sent_changes(
    store: Store, impilo: FakeImpilo, impilo_patient: dict[str, Any], clock: Clock
) -> None:
    # Both start from the address read when the order was shown (the reviewer's probe).
    first = store.enqueue_patient_change(address_change(PATIENT, after=FIRST), server=BASE_URL)
    second = store.enqueue_patient_change(address_change(PATIENT, after=SECOND), server=BASE_URL)
    impilo.patch_script.append(lost_answer())
    await OutboxSender(store, impilo.factory()).drain()
    assert store.get_patient_change(first.change_id).state == EntryState.IN_DOUBT
    assert store.get_patient_change(second.change_id).state == EntryState.QUEUED
    assert len(impilo.patches) == 1  # the second waits for the first

    impilo_patient["address"] = wire_address(FIRST)  # the first PATCH arrives late
    clock.now += DEFAULT_SETTLE + 1
    await OutboxSender(store, impilo.factory()).drain()
    await OutboxSender(store, impilo.factory()).drain()

    assert store.get_patient_change(first.change_id).state == EntryState.SENT
    # It started from an address Impilo no longer holds: the coordinator decides.
    assert store.get_patient_change(second.change_id).state == EntryState.HELD
    assert impilo_patient["address"]["lineOne"] == FIRST.line_one
    assert len(impilo.patches) == 1


async def test_a_second_correction_from_the_first_ones_address_follows_it(
    store: Store, impilo: FakeImpilo, impilo_patient: dict[str, Any], clock: Clock
) -> None:
    # The dialog starts a second correction from the first one's `after`.
    first = store.enqueue_patient_change(address_change(PATIENT, after=FIRST), server=BASE_URL)
    second = store.enqueue_patient_change(
        address_change(PATIENT, before=FIRST, after=SECOND), server=BASE_URL
    )
    impilo.patch_script.append(lost_answer())
    await OutboxSender(store, impilo.factory()).drain()
    impilo_patient["address"] = wire_address(FIRST)
    clock.now += DEFAULT_SETTLE + 1
    for _ in range(2):
        await OutboxSender(store, impilo.factory()).drain()

    assert store.get_patient_change(first.change_id).state == EntryState.SENT
    assert store.get_patient_change(second.change_id).state == EntryState.SENT
    assert impilo_patient["address"]["lineOne"] == SECOND.line_one
    assert len(impilo.patches) == 2


async def test_a_refused_correction_holds_back_the_next_until_discarded(
    store: Store, impilo: FakeImpilo, impilo_patient: dict[str, Any]
) -> None:
    first = store.enqueue_patient_change(address_change(PATIENT, after=FIRST), server=BASE_URL)
    second = store.enqueue_patient_change(
        address_change(PATIENT, before=FIRST, after=SECOND), server=BASE_URL
    )
    other = store.enqueue_patient_change(address_change(PATIENT + 1), server=BASE_URL)
    impilo.patient_records[PATIENT + 1] = {**impilo_patient, "id": PATIENT + 1}
    impilo.patch_script.append(("status", 400, {"message": "no such street"}, {}))
    await OutboxSender(store, impilo.factory()).drain()
    assert store.get_patient_change(first.change_id).state == EntryState.REJECTED
    assert store.get_patient_change(second.change_id).state == EntryState.QUEUED
    assert store.get_patient_change(other.change_id).state == EntryState.SENT  # not held back
    assert store.open_patient_change(PATIENT, server=BASE_URL) == store.get_patient_change(
        second.change_id
    )

    store.discard_patient_change(first.change_id)
    await OutboxSender(store, impilo.factory()).drain()
    # Impilo still holds the old address, not the one the second started from.
    assert store.get_patient_change(second.change_id).state == EntryState.HELD
    assert impilo_patient["address"]["lineOne"] == OLD_ADDRESS.line_one
