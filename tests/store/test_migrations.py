"""A file written by the first release (schema v1) is upgraded in place with its data."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from impilo_desktop.store import SCHEMA_VERSION, EntryState, ReferenceKind, Store
from impilo_desktop.store.schema import V1, _split
from tests.store.samples import valid_draft


def _write_v1_file(path: Path) -> tuple[str, str]:
    """A v1 database as the first release left it: a draft, a queued entry, cached patients."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in _split(V1):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    draft, queued = valid_draft(), valid_draft(item_id=77)
    conn.execute(
        "INSERT INTO drafts VALUES (?, ?, 1.0, 2.0)", (draft.draft_id, draft.model_dump_json())
    )
    conn.execute(
        "INSERT INTO outbox (client_reference, draft_id, body, state, created_at, updated_at)"
        " VALUES ('impilo-desktop-0123456789abcdef0123', ?, ?, 'queued', 1.0, 1.0)",
        (queued.draft_id, queued.model_dump_json()),
    )
    patients = [
        {"id": 1, "firstName": "Thandi", "lastName": "Nkosi", "site": {"id": 10}},
        {
            "id": 2,
            "firstName": "Sipho",
            "lastName": "Dlamini",
            "site": {"id": 11},
            "externalIdentifier": "MRN-22",
        },
    ]
    for p in patients:
        conn.execute(
            "INSERT INTO reference_cache (kind, id, name, body) VALUES ('patient', ?, ?, ?)",
            (p["id"], f"{p['firstName']} {p['lastName']}", json.dumps(p)),
        )
    conn.close()
    return draft.draft_id, queued.draft_id


def test_v1_file_upgrades_with_data_intact(db_path: Path) -> None:
    draft_id, queued_id = _write_v1_file(db_path)

    with Store(db_path) as store:
        draft = store.get_draft(draft_id)
        assert draft is not None
        assert draft.item_lines[0].item_id == 2001
        [entry] = store.list_outbox()
        # Queued before entries recorded their server: held until a person says where to.
        assert (entry.state, entry.held_for, entry.server) == (EntryState.HELD, "server", None)
        assert "did not record the server" in (entry.last_error or "")
        assert entry.client_reference == "impilo-desktop-0123456789abcdef0123"
        assert entry.draft.draft_id == queued_id
        released = store.release_held(entry.entry_id, server="https://impilo.test")
        assert (released.state, released.server) == (EntryState.QUEUED, "https://impilo.test")
        # The v2 columns were filled from the existing JSON.
        assert [p.id for p in store.search_patients("mrn-22")] == [2]
        assert [p.id for p in store.cached_patients(site_id=10)] == [1]
        [row] = store.patient_search_rows(site_id=11)  # the picker's path reads the same
        assert (row.id, row.last_name, row.external_identifier) == (2, "Dlamini", "MRN-22")
        assert store.reference_count(ReferenceKind.PATIENT) == 2

    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 11
    finally:
        conn.close()


def test_upgrade_is_done_once(db_path: Path) -> None:
    _write_v1_file(db_path)
    Store(db_path).close()
    with Store(db_path) as store:  # a second open finds nothing to do
        assert len(store.list_outbox()) == 1


def test_v9_file_gains_import_batches_and_the_mrn_index(db_path: Path) -> None:
    from impilo_desktop.store.schema import MIGRATIONS
    from tests.store.samples import SERVER

    db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db_path, isolation_level=None)
    for version in range(9):
        MIGRATIONS[version](conn)  # type: ignore[arg-type]
    conn.execute("PRAGMA user_version = 9")
    queued = valid_draft()
    conn.execute(
        "INSERT INTO outbox (client_reference, draft_id, body, state, server, created_at,"
        " updated_at) VALUES ('impilo-desktop-v9', ?, ?, 'queued', ?, 1.0, 1.0)",
        (queued.draft_id, queued.model_dump_json(), SERVER),
    )
    conn.execute(
        "INSERT INTO reference_cache (kind, id, name, body) VALUES ('patient', 5, 'A B', ?)",
        (json.dumps({"id": 5, "firstName": "A", "lastName": "B", "externalIdentifier": "M-5 "}),),
    )
    conn.close()

    with Store(db_path) as store:
        [entry] = store.list_outbox()  # the entry from before is there, in no batch
        assert entry.client_reference == "impilo-desktop-v9"
        assert store.recent_import_batches() == []
        found = store.cached_patients_with_external_ids(["M-5"])
        assert [p.id for p in found["M-5"]] == [5]
        draft = valid_draft()
        draft.external_order_ids.append("RPM-1")
        batch = store.enqueue_batch([draft], server=SERVER, file_name="f.csv")
        assert store.recent_import_batches() == [batch]

    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 11
        indexes = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        assert {"reference_cache_patient_mrn", "outbox_import_batch"} <= indexes
    finally:
        conn.close()


def test_v10_file_gains_the_order_ref_checks_columns(db_path: Path) -> None:
    from impilo_desktop.store.schema import MIGRATIONS
    from tests.store.samples import SERVER

    db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db_path, isolation_level=None)
    for version in range(10):
        MIGRATIONS[version](conn)  # type: ignore[arg-type]
    conn.execute("PRAGMA user_version = 10")
    queued = valid_draft()
    conn.execute(
        "INSERT INTO outbox (client_reference, draft_id, body, state, server, created_at,"
        " updated_at) VALUES ('impilo-desktop-v10', ?, ?, 'queued', ?, 1.0, 1.0)",
        (queued.draft_id, queued.model_dump_json(), SERVER),
    )
    conn.close()

    with Store(db_path) as store:
        [entry] = store.list_outbox()
        assert entry.client_reference == "impilo-desktop-v10"
        assert entry.check_failures == 0
        assert not entry.already_on_impilo
        failed = store.mark_check_failed(entry.entry_id, "Impilo is having trouble", 5.0)
        assert (failed.state, failed.check_failures) == (EntryState.QUEUED, 1)

    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 11
    finally:
        conn.close()
