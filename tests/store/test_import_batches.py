"""Import batches (schema v10): an import's orders queued in one transaction, all or none,
and the cached recipients a file names looked up by id and MRN without loading the cache."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from impilo_desktop.api.models import Patient, Site
from impilo_desktop.domain import DraftInvalid, OrderDraft
from impilo_desktop.store import (
    EntryState,
    ReferenceKind,
    RefsAlreadyQueued,
    Store,
    StoreError,
)
from impilo_desktop.store.recipient_lookup import MRN_EXPRESSION
from tests.store.samples import SERVER, new_patient_draft, valid_draft


def with_ref(draft: OrderDraft, ref: str) -> OrderDraft:
    draft.external_order_ids.append(ref)
    return draft


def test_a_batch_is_queued_whole_and_read_back(store: Store) -> None:
    drafts = [with_ref(valid_draft(item_id=2000 + n), f"RPM-{n}") for n in range(3)]
    drafts.append(with_ref(new_patient_draft(), "RPM-new"))
    batch = store.enqueue_batch(drafts, server=SERVER, file_name="enrolment.csv")

    assert batch.file_name == "enrolment.csv"
    entries = store.import_batch_entries(batch.batch_id)
    assert [e.entry_id for e in entries] == list(batch.entry_ids)
    assert [e.draft.external_order_ids for e in entries] == [
        ["RPM-0"],
        ["RPM-1"],
        ["RPM-2"],
        ["RPM-new"],
    ]
    assert {(e.state, e.server) for e in entries} == {(EntryState.QUEUED, SERVER)}
    assert len({e.client_reference for e in entries}) == 4
    # An imported new patient is not confirmed: the sender looks for a likely duplicate.
    assert entries[3].new_patient_confirmed is False
    assert store.entry_history(entries[0].entry_id)[0].outcome == "queued"
    assert store.import_batch(batch.batch_id) == batch
    assert store.recent_import_batches() == [batch]


def test_recent_batches_come_newest_first_and_lose_entries_taken_back(store: Store) -> None:
    first = store.enqueue_batch([with_ref(valid_draft(), "A")], server=SERVER, file_name="a.csv")
    second = store.enqueue_batch(
        [with_ref(valid_draft(), "B"), with_ref(valid_draft(), "C")],
        server=SERVER,
        file_name="b.xlsx",
    )
    assert [b.file_name for b in store.recent_import_batches()] == ["b.xlsx", "a.csv"]
    assert [b.batch_id for b in store.recent_import_batches(limit=1)] == [second.batch_id]

    store.mark_held(second.entry_ids[0], "a test hold")
    store.discard_entry(second.entry_ids[0])
    kept = store.import_batch(second.batch_id)
    assert kept is not None
    assert kept.entry_ids == second.entry_ids[1:]
    assert store.import_batch(first.batch_id) == first
    assert store.import_batch("no such batch") is None

    store.mark_held(first.entry_ids[0], "a test hold")
    store.discard_entry(first.entry_ids[0])  # nothing left of the first batch
    assert [b.batch_id for b in store.recent_import_batches()] == [second.batch_id]


def test_an_invalid_draft_refuses_the_whole_batch(store: Store) -> None:
    empty = with_ref(OrderDraft(), "EMPTY")
    with pytest.raises(DraftInvalid):
        store.enqueue_batch(
            [with_ref(valid_draft(), "OK"), empty], server=SERVER, file_name="x.csv"
        )
    assert store.list_outbox() == []
    assert store.recent_import_batches() == []


def test_a_ref_queued_since_refuses_the_whole_batch(store: Store) -> None:
    store.enqueue(with_ref(valid_draft(), " RPM-2 "), server=SERVER)  # trimmed as sent
    with pytest.raises(RefsAlreadyQueued) as refused:
        store.enqueue_batch(
            [with_ref(valid_draft(), "RPM-1"), with_ref(valid_draft(), "RPM-2")],
            server=SERVER,
            file_name="x.csv",
        )
    assert refused.value.refs == ("RPM-2",)
    assert "Preview the file again" in refused.value.message
    assert len(store.list_outbox()) == 1
    assert store.recent_import_batches() == []


def test_a_refused_entry_does_not_hold_its_ref(store: Store) -> None:
    entry = store.enqueue(with_ref(valid_draft(), "RPM-1"), server=SERVER)
    store.mark_sending(entry.entry_id)
    store.mark_rejected(entry.entry_id, "No such item", "400")
    batch = store.enqueue_batch([with_ref(valid_draft(), "RPM-1")], server=SERVER, file_name="f")
    assert len(batch.entry_ids) == 1
    assert list(store.outbox_entries_with_refs(["RPM-1"])) == ["RPM-1"]
    [found] = store.outbox_entries_with_refs(["RPM-1"])["RPM-1"]
    assert found.entry_id == batch.entry_ids[0]


def test_the_same_ref_twice_in_one_batch_is_refused(store: Store) -> None:
    with pytest.raises(RefsAlreadyQueued):
        store.enqueue_batch(
            [with_ref(valid_draft(), "R"), with_ref(valid_draft(), "R")],
            server=SERVER,
            file_name="f",
        )
    assert store.list_outbox() == []


def test_a_failure_in_the_middle_leaves_nothing(store: Store, db_path: Path) -> None:
    # A real SQLite failure on the sixth insert (as a full disk would fail it).
    conn = sqlite3.connect(db_path)
    conn.execute(
        "CREATE TRIGGER sixth BEFORE INSERT ON outbox WHEN (SELECT count(*) FROM outbox) >= 5"
        " BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    conn.commit()
    conn.close()
    drafts = [with_ref(valid_draft(), f"RPM-{n}") for n in range(10)]
    with pytest.raises(StoreError):
        store.enqueue_batch(drafts, server=SERVER, file_name="f.csv")
    assert store.list_outbox() == []
    assert store.recent_import_batches() == []


def _patient(pid: int, mrn: str | None, site: int = 7) -> Patient:
    return Patient(
        id=pid,
        first_name="Ama",
        last_name=f"Test{pid}",
        external_identifier=mrn,
        site=Site(id=site, name="North"),
    )


def test_cached_recipients_are_found_by_ids_and_mrns_only(store: Store) -> None:
    store.store_reference_page(
        ReferenceKind.PATIENT,
        [_patient(1, "MRN-1"), _patient(2, " MRN-2 "), _patient(3, "MRN-2"), _patient(4, None)],
    )
    store.store_reference_page(ReferenceKind.SITE, [Site(id=7, name="North"), Site(id=8)])

    assert sorted(store.cached_patients_with_ids([1, 4, 99, 1])) == [1, 4]
    found = store.cached_patients_with_external_ids(["MRN-2", "MRN-1 ", "MRN-9", ""])
    assert {mrn: [p.id for p in ps] for mrn, ps in found.items()} == {
        "MRN-1": [1],
        "MRN-2": [2, 3],
    }
    assert list(store.cached_sites_with_ids([7, 9])) == [7]
    # More values than one batch holds.
    assert len(store.cached_patients_with_ids(range(1, 1200))) == 4


def test_the_mrn_lookup_uses_the_v10_index(store: Store) -> None:
    store.store_reference_page(ReferenceKind.PATIENT, [_patient(1, "MRN-1")])
    sql = (
        "EXPLAIN QUERY PLAN SELECT body FROM reference_cache WHERE kind = 'patient'"
        f" AND {MRN_EXPRESSION} IN (?, ?)"
    )
    plan = store._db.read(lambda conn: conn.execute(sql, ("MRN-1", "MRN-2")).fetchall())
    assert any("USING INDEX reference_cache_patient_mrn" in str(tuple(step)) for step in plan)
