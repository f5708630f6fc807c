"""Drafts and the outbox against a real SQLite file."""

from __future__ import annotations

import os
import re
import sqlite3
import stat
import threading
import time
from pathlib import Path

import pytest

from impilo_desktop.config import Profile
from impilo_desktop.domain import DraftInvalid, OrderDraft
from impilo_desktop.store import (
    PENDING_STATES,
    SCHEMA_VERSION,
    DatabaseKey,
    EntryState,
    EntryStateError,
    OutboxSummary,
    Store,
    cipher,
)
from impilo_desktop.store.database import Database
from tests.store.samples import SERVER, valid_draft


def test_open_profile_creates_private_file_in_profile_folder(app_home: Path) -> None:
    profile = Profile("sandbox", "http://127.0.0.1:8765")
    key = DatabaseKey.random()
    with Store.open_profile(profile, key=key) as store:
        store.save_draft(valid_draft())
        path = store.path
    assert path == app_home / "profiles" / "sandbox" / "impilo.sqlite3"
    conn = cipher.connect(path, key, key_path=path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        conn.close()
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


@pytest.mark.parametrize(("platform", "fullfsync"), [("darwin", 1), ("linux", 0), ("win32", 0)])
def test_on_macos_every_connection_flushes_the_drive_cache(
    db_path: Path, platform: str, fullfsync: int
) -> None:
    database = Database(db_path, platform=platform)
    try:
        values = [database.connection().execute("PRAGMA fullfsync").fetchone()[0]]
        other = threading.Thread(
            target=lambda: values.append(
                database.connection().execute("PRAGMA fullfsync").fetchone()[0]
            )
        )
        other.start()
        other.join()
    finally:
        database.close()
    assert values == [fullfsync, fullfsync]  # the UI thread's and the sender's alike


def test_foreign_keys_are_enforced(store: Store) -> None:
    conn = sqlite3.connect(store.path)
    try:
        # The store's own connections have foreign keys on; check through the store's API
        # that history rows cannot outlive their entry.
        entry = store.enqueue(valid_draft(), server=SERVER)
        store.mark_held(entry.entry_id, "test")
        store.discard_entry(entry.entry_id)
        rows = conn.execute("SELECT count(*) FROM outbox_attempts").fetchone()[0]
        assert rows == 0
    finally:
        conn.close()


def test_draft_round_trip_and_listing(store: Store) -> None:
    first, second = valid_draft(), valid_draft(item_id=2002, count=3)
    second.notes.append("Leave at reception")
    store.save_draft(first)
    store.save_draft(second)
    second.add_item(2003, 1, name="Scale")
    store.save_draft(second)  # autosave again: replaced, not duplicated

    loaded = store.get_draft(second.draft_id)
    assert loaded == second
    assert [d.draft_id for d in store.list_drafts()] == [second.draft_id, first.draft_id]
    assert store.get_draft("missing") is None
    assert store.delete_draft(first.draft_id)
    assert not store.delete_draft(first.draft_id)
    assert [d.draft_id for d in store.list_drafts()] == [second.draft_id]


def test_current_draft_pointer_survives_reopen(db_path: Path) -> None:
    draft = valid_draft()
    with Store(db_path) as store:
        store.save_draft(draft)
        store.set_current_draft(draft.draft_id)
    with Store(db_path) as store:
        assert store.current_draft() == draft
        store.delete_draft(draft.draft_id)
        assert store.current_draft_id() is None


def test_enqueue_moves_draft_into_outbox_with_new_reference(store: Store) -> None:
    draft = valid_draft()
    store.save_draft(draft)
    store.set_current_draft(draft.draft_id)

    entry = store.enqueue(draft, server=SERVER)
    other = store.enqueue(valid_draft(), server=SERVER)

    assert store.get_draft(draft.draft_id) is None
    assert store.current_draft_id() is None
    assert entry.state == EntryState.QUEUED
    assert entry.draft == draft
    assert entry.attempts == 0
    assert re.fullmatch(r"impilo-desktop-[0-9a-f]{20}", entry.client_reference)
    assert entry.client_reference != other.client_reference
    assert [e.entry_id for e in store.list_outbox()] == [entry.entry_id, other.entry_id]
    assert store.outbox_summary().pending == 2
    assert [h.outcome for h in store.entry_history(entry.entry_id)] == ["queued"]


def test_enqueue_refuses_invalid_draft_and_keeps_it(store: Store) -> None:
    draft = OrderDraft()  # no recipient, no lines
    store.save_draft(draft)
    with pytest.raises(DraftInvalid):
        store.enqueue(draft, server=SERVER)
    assert store.get_draft(draft.draft_id) == draft
    assert store.list_outbox() == []


def test_reference_never_changes_through_state_changes(store: Store) -> None:
    entry = store.enqueue(valid_draft(), server=SERVER)
    store.mark_sending(entry.entry_id)
    store.mark_in_doubt(entry.entry_id, "timeout", None)
    store.mark_sending(entry.entry_id)
    sent = store.mark_sent(entry.entry_id, 4242)
    assert sent.client_reference == entry.client_reference
    assert sent.state == EntryState.SENT
    assert sent.order_id == 4242
    assert sent.attempts == 2
    assert [h.outcome for h in store.entry_history(entry.entry_id)] == [
        "queued",
        "sending",
        "in_doubt",
        "sending",
        "sent",
    ]
    with pytest.raises(EntryStateError):
        store.mark_sending(entry.entry_id)  # a sent entry is never sent again


def test_recover_interrupted_marks_sending_in_doubt(store: Store) -> None:
    entry = store.enqueue(valid_draft(), server=SERVER)
    store.mark_sending(entry.entry_id)
    assert store.recover_interrupted() == [entry.entry_id]
    assert store.get_entry(entry.entry_id).state == EntryState.IN_DOUBT


def test_rejected_entry_returns_to_drafts_intact(store: Store) -> None:
    draft = valid_draft(count=5)
    entry = store.enqueue(draft, server=SERVER)
    store.mark_sending(entry.entry_id)
    rejected = store.mark_rejected(entry.entry_id, "insufficient_inventory", "rejected")
    assert rejected.server_message == "insufficient_inventory"
    assert rejected.draft == draft

    reopened = store.return_to_drafts(entry.entry_id)
    assert reopened == draft
    assert store.get_draft(draft.draft_id) == draft
    assert store.list_outbox() == []


def test_held_entry_release_and_guards(store: Store) -> None:
    entry = store.enqueue(valid_draft(), server=SERVER)
    with pytest.raises(EntryStateError):
        store.release_held(entry.entry_id, server=SERVER)
    with pytest.raises(EntryStateError):
        store.return_to_drafts(entry.entry_id)
    store.mark_held(entry.entry_id, "old")
    released = store.release_held(entry.entry_id, server=SERVER)
    assert released.state == EntryState.QUEUED
    assert released.age_confirmed


def test_pause_and_resume(store: Store) -> None:
    assert store.outbox_paused() is None
    store.pause_outbox("API key rejected")
    assert store.outbox_paused() == "API key rejected"
    store.resume_outbox()
    assert store.outbox_paused() is None


def test_ui_thread_and_worker_thread_use_one_store(store: Store) -> None:
    """The UI autosaves while the worker changes outbox entries: each thread has its own
    connection and both see each other's committed work."""
    entries = [store.enqueue(valid_draft(), server=SERVER) for _ in range(20)]
    errors: list[BaseException] = []
    worker_saw_drafts = threading.Event()

    def worker() -> None:
        try:
            for entry in entries:
                store.mark_sending(entry.entry_id)
                store.mark_sent(entry.entry_id, entry.entry_id + 1000)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                if store.list_drafts():  # the UI thread's autosave, committed meanwhile
                    worker_saw_drafts.set()
                    break
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    drafts = [valid_draft(item_id=3000 + n) for n in range(20)]
    for draft in drafts:
        store.save_draft(draft)
    thread.join(timeout=30)
    assert not errors
    assert worker_saw_drafts.is_set()
    assert {d.draft_id for d in store.list_drafts()} == {d.draft_id for d in drafts}
    assert all(e.state == EntryState.SENT for e in store.list_outbox())


def test_two_stores_on_one_file_see_each_other(db_path: Path) -> None:
    with Store(db_path) as ui, Store(db_path) as worker:
        entry = ui.enqueue(valid_draft(), server=SERVER)
        worker.mark_sending(entry.entry_id)
        worker.mark_sent(entry.entry_id, 7)
        assert ui.get_entry(entry.entry_id).order_id == 7


def test_the_summary_counts_pause_and_next_retry_in_one_read(store: Store) -> None:
    assert store.outbox_summary() == OutboxSummary()
    first = store.enqueue(valid_draft(), server=SERVER)
    second = store.enqueue(valid_draft(), server=SERVER)
    third = store.enqueue(valid_draft(), server=SERVER)
    store.mark_rejected(first.entry_id, "No such item", "HTTP 400")
    store.mark_held(third.entry_id, "old")
    store.mark_retry(second.entry_id, "offline", store.now() + 60, reconcile=False)
    store.pause_outbox("API key rejected")

    summary = store.outbox_summary()
    assert (summary.pending, summary.attention) == (1, 2)
    assert summary.pending == len(store.list_outbox(PENDING_STATES))
    assert summary.paused == "API key rejected"
    assert summary.next_due_at == pytest.approx(store.now() + 60, abs=1)


def test_sent_entries_are_forgotten_after_a_while_and_listed_recent_first(
    db_path: Path,
) -> None:
    clock = [1_000_000.0]
    with Store(db_path, clock=lambda: clock[0]) as store:
        entries = [store.enqueue(valid_draft(), server=SERVER) for _ in range(4)]
        for entry in entries[:3]:
            store.mark_sending(entry.entry_id)
            store.mark_sent(entry.entry_id, 100 + entry.entry_id)
            clock[0] += 10
        listed, older = store.list_outbox_recent(sent_limit=2)
        # The waiting entry, then the two most recently sent; one more sent one left out.
        assert [e.entry_id for e in listed] == [4, 3, 2]
        assert older == 1
        clock[0] += 3600
        assert store.prune_sent(older_than=3615) == 2  # sent 3630 and 3620 s ago
        assert [e.entry_id for e in store.list_outbox()] == [3, 4]


def test_listed_entries_parse_their_draft_when_asked(store: Store) -> None:
    draft = valid_draft()
    store.enqueue(draft, server=SERVER)
    [entry] = store.list_outbox()
    assert "draft_json" not in repr(entry)  # the stored JSON is not dumped into logs
    assert entry.draft == draft
    assert entry.draft is entry.draft  # parsed once per snapshot
    assert entry.draft.summary() in entry.summary_line()


def test_outbox_external_ids_name_every_entry_but_rejected_ones(store: Store) -> None:
    def queued(*ids: str) -> int:
        draft = valid_draft()
        draft.external_order_ids = list(ids)
        return store.enqueue(draft, server=SERVER).entry_id

    plain = queued()
    both = queued(" clinic-1 ", "batch-7")
    rejected = queued("clinic-2")
    store.mark_rejected(rejected, "Refused", "HTTP 422")
    sent = queued("clinic-3")
    store.mark_sending(sent)
    store.mark_sent(sent, 100601)

    known = store.outbox_external_ids()

    reference = {e.entry_id: e.client_reference for e in store.list_outbox()}
    assert known == {
        plain: {reference[plain]},
        both: {reference[both], "clinic-1", "batch-7"},  # trimmed, as they are sent
        sent: {reference[sent], "clinic-3"},
    }
