"""Address/phone corrections sent exactly once, case by case, through a scripted HTTP
transport: the re-read before every PATCH, each outcome, crash recovery and the settle wait
that keeps an in-doubt PATCH from being sent twice."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from impilo_desktop.domain.new_patient import UsAddress
from impilo_desktop.store import EntryState, Store
from impilo_desktop.sync import API_KEY_REJECTED, DEFAULT_SETTLE, OutboxSender, Outcome
from tests.store.patient_change_samples import (
    NEW_ADDRESS,
    OLD_ADDRESS,
    address_change,
    change_history,
)
from tests.store.samples import valid_draft
from tests.sync.conftest import Clock
from tests.sync.fake_impilo import BASE_URL, FakeImpilo, request_for

pytestmark = pytest.mark.anyio

PATIENT = 10001


def wire_address(address: UsAddress) -> dict[str, Any]:
    return {
        "lineOne": address.line_one,
        "lineTwo": address.line_two or None,
        "city": address.city,
        "state": address.state,
        "zipCode": address.zip_code,
        "country": address.country,
    }


@pytest.fixture
def impilo_patient(impilo: FakeImpilo) -> dict[str, Any]:
    record = {
        "id": PATIENT,
        "firstName": "Jane",
        "lastName": "Doe",
        "phoneNumber": "555-0100",
        "address": wire_address(OLD_ADDRESS),
    }
    impilo.patient_records[PATIENT] = record
    return record


def sender(store: Store, impilo: FakeImpilo) -> OutboxSender:
    return OutboxSender(store, impilo.factory())


async def test_a_change_is_reread_then_patched_with_only_what_changes(
    store: Store, impilo: FakeImpilo, impilo_patient: dict[str, Any]
) -> None:
    order = store.enqueue(valid_draft(), server=BASE_URL)
    change = store.enqueue_patient_change(address_change(PATIENT), server=BASE_URL)
    seen: list[str] = []
    progress: list[tuple[int, int]] = []

    report = await sender(store, impilo).drain(
        on_change=lambda r: seen.append(r.line()),
        progress=lambda done, total: progress.append((done, total)),
    )

    assert [r.outcome for r in report.results] == [Outcome.SENT]
    assert [r.outcome for r in report.changes] == [Outcome.SENT]
    assert seen == [f"change #{change.change_id} sent"]
    assert progress == [(0, 2), (1, 2), (2, 2)]
    assert store.get_entry(order.entry_id).state == EntryState.SENT
    assert store.get_patient_change(change.change_id).state == EntryState.SENT
    [(patient_id, body)] = impilo.patches
    assert patient_id == PATIENT
    # Only the address (the phone is unchanged), and the names Impilo holds (its schema).
    assert body == {
        "firstName": "Jane",
        "lastName": "Doe",
        "address": {
            "lineOne": "480 Larkspur Lane",
            "lineTwo": "Apt 3",
            "city": "Rhinebeck",
            "state": "NY",
            "zipCode": "12572",
            "country": "USA",
        },
    }
    assert impilo_patient["address"]["city"] == "Rhinebeck"


async def test_a_phone_change_sends_only_the_phone(
    store: Store, impilo: FakeImpilo, impilo_patient: dict[str, Any]
) -> None:
    store.enqueue_patient_change(
        address_change(PATIENT, after=OLD_ADDRESS, phone_after="(555) 010-0199"),
        server=BASE_URL,
    )
    await sender(store, impilo).drain()
    [(_id, body)] = impilo.patches
    assert body == {"firstName": "Jane", "lastName": "Doe", "phoneNumber": "(555) 010-0199"}


async def test_impilo_already_holding_the_new_values_is_not_patched(
    store: Store, impilo: FakeImpilo, impilo_patient: dict[str, Any]
) -> None:
    # As Impilo may write it back: the state in lower case, the ZIP with spaces around.
    written_back = NEW_ADDRESS.model_copy(update={"state": "ny", "zip_code": " 12572 "})
    impilo_patient["address"] = wire_address(written_back)
    change = store.enqueue_patient_change(address_change(PATIENT), server=BASE_URL)

    report = await sender(store, impilo).drain()

    assert [r.outcome for r in report.changes] == [Outcome.ADOPTED]
    assert impilo.patches == []
    stored = store.get_patient_change(change.change_id)
    assert stored.state == EntryState.SENT
    assert "already had" in change_history(store, change.change_id)[-1].detail


async def test_a_patient_changed_meanwhile_is_held_with_both_values(
    store: Store, impilo: FakeImpilo, impilo_patient: dict[str, Any]
) -> None:
    elsewhere = OLD_ADDRESS.model_copy(update={"line_one": "9 Ferry Street"})
    impilo_patient["address"] = wire_address(elsewhere)
    change = store.enqueue_patient_change(address_change(PATIENT), server=BASE_URL)

    report = await sender(store, impilo).drain()

    assert [r.outcome for r in report.changes] == [Outcome.HELD]
    assert impilo.patches == []
    held = store.get_patient_change(change.change_id)
    assert (held.state, held.held_for) == (EntryState.HELD, "changed")
    assert held.found is not None
    assert held.found.address.line_one == "9 Ferry Street"

    # Applied anyway: sent over what Impilo holds, after a re-read that still finds it.
    store.apply_patient_change_anyway(change.change_id)
    again = await sender(store, impilo).drain()
    assert [r.outcome for r in again.changes] == [Outcome.SENT]
    assert impilo_patient["address"]["lineOne"] == "480 Larkspur Lane"


async def test_a_4xx_is_refused_with_the_server_message(
    store: Store, impilo: FakeImpilo, impilo_patient: dict[str, Any]
) -> None:
    change = store.enqueue_patient_change(address_change(PATIENT), server=BASE_URL)
    impilo.patch_script.append(("status", 400, {"message": "zipCode does not match"}, {}))

    report = await sender(store, impilo).drain()

    assert [r.outcome for r in report.changes] == [Outcome.REJECTED]
    refused = store.get_patient_change(change.change_id)
    assert refused.state == EntryState.REJECTED
    assert refused.server_message == "zipCode does not match"


async def test_an_unknown_patient_is_refused(store: Store, impilo: FakeImpilo) -> None:
    change = store.enqueue_patient_change(address_change(PATIENT), server=BASE_URL)
    report = await sender(store, impilo).drain()
    assert [r.outcome for r in report.changes] == [Outcome.REJECTED]
    assert store.get_patient_change(change.change_id).state == EntryState.REJECTED


async def test_a_timeout_after_the_patch_arrived_is_adopted_never_resent(
    store: Store, impilo: FakeImpilo, impilo_patient: dict[str, Any], clock: Clock
) -> None:
    change = store.enqueue_patient_change(address_change(PATIENT), server=BASE_URL)
    impilo.patch_script.append(
        ("create_then", httpx.ReadTimeout("late", request=request_for("PATCH")))
    )

    first = await sender(store, impilo).drain()
    assert [r.outcome for r in first.changes] == [Outcome.RETRY]
    assert store.get_patient_change(change.change_id).state == EntryState.IN_DOUBT

    # Not re-read while the PATCH could still be arriving.
    early = await sender(store, impilo).drain(due_only=False)
    assert [r.outcome for r in early.changes] == [Outcome.RETRY]
    assert impilo.requests == 2  # the first re-read and the PATCH, nothing since

    clock.now += DEFAULT_SETTLE + 1
    second = await sender(store, impilo).drain(due_only=False)
    assert [r.outcome for r in second.changes] == [Outcome.ADOPTED]
    assert len(impilo.patches) == 1


async def test_a_reset_before_the_patch_arrived_is_reread_then_sent_once_more(
    store: Store, impilo: FakeImpilo, impilo_patient: dict[str, Any], clock: Clock
) -> None:
    change = store.enqueue_patient_change(address_change(PATIENT), server=BASE_URL)
    impilo.patch_script.append(
        ("raise", httpx.RemoteProtocolError("reset", request=request_for("PATCH")))
    )
    await sender(store, impilo).drain()
    assert store.get_patient_change(change.change_id).state == EntryState.IN_DOUBT

    clock.now += DEFAULT_SETTLE + 1
    report = await sender(store, impilo).drain(due_only=False)
    assert [r.outcome for r in report.changes] == [Outcome.SENT]
    assert len(impilo.patches) == 2  # the first never arrived
    assert impilo_patient["address"]["lineOne"] == "480 Larkspur Lane"


async def test_a_change_left_sending_by_a_crash_is_reread_first(
    store: Store, impilo: FakeImpilo, impilo_patient: dict[str, Any], clock: Clock
) -> None:
    change = store.enqueue_patient_change(address_change(PATIENT), server=BASE_URL)
    store.mark_change_sending(change.change_id)
    impilo_patient["address"] = wire_address(NEW_ADDRESS)  # the PATCH did arrive
    clock.now += DEFAULT_SETTLE + 1

    report = await sender(store, impilo).drain()

    assert [r.outcome for r in report.changes] == [Outcome.ADOPTED]
    assert impilo.patches == []
    history = [h.detail for h in change_history(store, change.change_id)]
    assert "interrupted while sending" in history


async def test_429_and_no_connection_leave_it_queued(
    store: Store, impilo: FakeImpilo, impilo_patient: dict[str, Any]
) -> None:
    change = store.enqueue_patient_change(address_change(PATIENT), server=BASE_URL)
    impilo.patch_script.append(("status", 429, {"message": "slow down"}, {"Retry-After": "30"}))
    report = await sender(store, impilo).drain()
    assert [r.outcome for r in report.changes] == [Outcome.RETRY]
    waiting = store.get_patient_change(change.change_id)
    assert waiting.state == EntryState.QUEUED
    assert waiting.next_attempt_at is not None

    impilo.patch_script.append(("raise", httpx.ConnectError("down", request=request_for("PATCH"))))
    offline = await sender(store, impilo).drain(due_only=False)
    assert offline.stopped is not None
    assert store.get_patient_change(change.change_id).state == EntryState.QUEUED


async def test_a_refused_key_pauses_the_outbox(
    store: Store, impilo: FakeImpilo, impilo_patient: dict[str, Any]
) -> None:
    change = store.enqueue_patient_change(address_change(PATIENT), server=BASE_URL)
    impilo.patch_script.append(("status", 401, {"message": "bad key"}, {}))
    report = await sender(store, impilo).drain()
    assert report.paused == API_KEY_REJECTED
    assert store.outbox_paused() == API_KEY_REJECTED
    assert store.get_patient_change(change.change_id).state == EntryState.QUEUED


async def test_a_change_for_another_server_is_held_and_nothing_is_asked(
    store: Store, impilo: FakeImpilo, impilo_patient: dict[str, Any]
) -> None:
    change = store.enqueue_patient_change(address_change(PATIENT), server="https://elsewhere.test")
    report = await sender(store, impilo).drain()
    assert [r.outcome for r in report.changes] == [Outcome.HELD]
    assert impilo.requests == 0
    held = store.get_patient_change(change.change_id)
    assert (held.state, held.held_for) == (EntryState.HELD, "server")
    assert held.last_error is not None
    assert "cannot be sent to" in held.last_error  # never "send it here" (another patient)
    assert "Discard" in held.last_error
