"""The patient-change outbox in the store: queued in one transaction with a reference kept
locally, counted with the orders, and the coordinator's discard / apply anyway."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from impilo_desktop.domain.patient_change import PatientContact
from impilo_desktop.store import (
    HELD_FOR_CHANGED,
    HELD_FOR_SERVER,
    SCHEMA_VERSION,
    EntryState,
    EntryStateError,
    Store,
)
from impilo_desktop.store.schema import MIGRATIONS
from tests.store.patient_change_samples import (
    NEW_ADDRESS,
    OLD_ADDRESS,
    address_change,
    change_history,
)
from tests.store.samples import SERVER, valid_draft


def test_enqueue_keeps_the_change_its_server_and_a_reference(store: Store) -> None:
    change = address_change()
    entry = store.enqueue_patient_change(change, server=SERVER)

    assert entry.state == EntryState.QUEUED
    assert entry.client_reference.startswith("impilo-desktop-change-")
    assert (entry.server, entry.patient_id, entry.change) == (SERVER, 10001, change)
    assert entry.title() == "Address correction for Jane Doe"
    assert store.get_patient_change(entry.change_id) == entry
    assert [h.outcome for h in change_history(store, entry.change_id)] == ["queued"]
    assert store.open_patient_change(10001, server=SERVER) == entry
    assert store.open_patient_change(10002, server=SERVER) is None
    # A second change gets its own reference, never the first one's.
    other = store.enqueue_patient_change(address_change(10002), server=SERVER)
    assert other.client_reference != entry.client_reference


def test_a_change_that_changes_nothing_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="unchanged"):
        store.enqueue_patient_change(address_change(after=OLD_ADDRESS), server=SERVER)
    assert store.list_patient_changes() == []


def test_titles_name_what_changes(store: Store) -> None:
    phone = address_change(after=OLD_ADDRESS, phone_after="555-0199")
    both = address_change(phone_after="555-0199")
    anonymous = address_change(name="")
    titles = [
        store.enqueue_patient_change(c, server=SERVER).title() for c in (phone, both, anonymous)
    ]
    assert titles == [
        "Phone correction for Jane Doe",
        "Address and phone correction for Jane Doe",
        "Address correction for patient 10001",
    ]


def test_summary_counts_changes_with_orders(store: Store) -> None:
    store.enqueue(valid_draft(), server=SERVER)
    change = store.enqueue_patient_change(address_change(), server=SERVER)
    held = store.enqueue_patient_change(address_change(10002), server=SERVER)
    store.mark_change_held(held.change_id, "elsewhere", held_for=HELD_FOR_SERVER)
    store.mark_change_retry(change.change_id, "offline", 5000.0)

    summary = store.outbox_summary()
    assert (summary.pending, summary.attention) == (2, 1)
    assert summary.pending_corrections == 1  # of the two waiting, one is a correction
    assert summary.next_due_at == 0.0  # the order is due now


def test_sender_states_and_crash_recovery(store: Store) -> None:
    entry = store.enqueue_patient_change(address_change(), server=SERVER)
    sending = store.mark_change_sending(entry.change_id)
    assert (sending.state, sending.attempts) == (EntryState.SENDING, 1)
    assert sending.last_sent_at is not None
    assert store.due_patient_changes() == []

    assert store.recover_interrupted_changes() == [entry.change_id]
    in_doubt = store.get_patient_change(entry.change_id)
    assert in_doubt.state == EntryState.IN_DOUBT
    assert store.due_patient_changes() == [in_doubt]
    sent = store.mark_change_sent(entry.change_id, "Impilo already held the new values")
    assert sent.state == EntryState.SENT
    assert store.open_patient_change(10001, server=SERVER) is None
    outcomes = [h.outcome for h in change_history(store, entry.change_id)]
    assert outcomes == ["queued", "sending", "in_doubt", "sent"]
    with pytest.raises(EntryStateError):
        store.mark_change_sending(entry.change_id)


def test_apply_anyway_takes_what_impilo_held_as_before(store: Store) -> None:
    entry = store.enqueue_patient_change(address_change(), server=SERVER)
    found = PatientContact(address=NEW_ADDRESS.model_copy(update={"city": "Elsewhere"}))
    held = store.mark_change_held(
        entry.change_id, "Changed in Impilo meanwhile", held_for=HELD_FOR_CHANGED, found=found
    )
    assert (held.state, held.held_for, held.found) == (EntryState.HELD, "changed", found)

    again = store.apply_patient_change_anyway(entry.change_id)
    assert again.state == EntryState.QUEUED
    assert (again.held_for, again.found, again.server) == (None, None, SERVER)
    assert again.change.before == found
    assert again.change.after == entry.change.after
    with pytest.raises(EntryStateError):
        store.apply_patient_change_anyway(entry.change_id)


def test_a_change_held_for_its_server_is_never_sent_elsewhere_only_discarded(
    store: Store,
) -> None:
    # Patient numbers belong to one server: #10001 elsewhere is another person.
    entry = store.enqueue_patient_change(address_change(), server=SERVER)
    store.mark_change_held(entry.change_id, "another server", held_for=HELD_FOR_SERVER)
    with pytest.raises(EntryStateError):
        store.apply_patient_change_anyway(entry.change_id)
    held = store.get_patient_change(entry.change_id)
    assert (held.state, held.server) == (EntryState.HELD, SERVER)
    store.discard_patient_change(entry.change_id)
    assert store.list_patient_changes() == []


def test_discard_only_what_waits_for_the_coordinator(store: Store) -> None:
    queued = store.enqueue_patient_change(address_change(), server=SERVER)
    with pytest.raises(EntryStateError):
        store.discard_patient_change(queued.change_id)
    store.mark_change_rejected(queued.change_id, "zipCode is invalid", "400")
    store.discard_patient_change(queued.change_id)
    assert store.list_patient_changes() == []
    assert change_history(store, queued.change_id) == []


def test_recent_list_and_pruning(store: Store) -> None:
    old = store.enqueue_patient_change(address_change(), server=SERVER)
    store.mark_change_sent(old.change_id, "sent")
    waiting = store.enqueue_patient_change(address_change(10002), server=SERVER)
    assert [e.change_id for e in store.list_patient_changes_recent(10)] == [
        waiting.change_id,
        old.change_id,
    ]
    assert [e.change_id for e in store.list_patient_changes_recent(0)] == [waiting.change_id]
    assert store.prune_sent_changes(-1) == 1
    assert [e.change_id for e in store.list_patient_changes()] == [waiting.change_id]


def test_version_6_file_gets_the_patient_change_outbox(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(db_path, isolation_level=None)
    for version in range(6):
        MIGRATIONS[version](conn)  # type: ignore[arg-type]
    conn.execute("PRAGMA user_version = 6")
    conn.close()

    with Store(db_path) as store:
        assert store.list_patient_changes() == []
        entry = store.enqueue_patient_change(address_change(), server=SERVER)
        assert store.list_patient_changes() == [entry]
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 11
    finally:
        conn.close()
