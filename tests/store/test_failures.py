"""A locked, damaged, too-new or unwritable database: clear errors, nothing lost."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from impilo_desktop.store import (
    Store,
    StoreCorruptError,
    StoreLockedError,
    StoreTooNewError,
    StoreUnwritableError,
    cipher,
)
from tests.store.samples import valid_draft


def test_locked_database_raises_clear_error_and_keeps_data(db_path: Path) -> None:
    kept = valid_draft()
    with Store(db_path, busy_timeout=0.2) as store:
        store.save_draft(kept)
        # The other program's SQLite is the store's own library: two SQLite libraries in one
        # process do not see each other's POSIX locks (two processes do).
        other = cipher.sqlite3.connect(db_path, isolation_level=None)
        try:
            other.execute("BEGIN EXCLUSIVE")
            other.execute("INSERT INTO app_state (key, value) VALUES ('other', 'program')")
            with pytest.raises(StoreLockedError) as caught:
                store.save_draft(valid_draft())
            assert "locked by another program" in caught.value.message
            assert "nothing was lost" in caught.value.message
        finally:
            other.execute("ROLLBACK")
            other.close()
        # Once the other program lets go, everything works and nothing went missing.
        again = valid_draft(item_id=9)
        store.save_draft(again)
        assert {d.draft_id for d in store.list_drafts()} == {kept.draft_id, again.draft_id}


def test_corrupt_file_is_kept_and_copied(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    garbage = b"this is not an sqlite database " * 200
    db_path.write_bytes(garbage)

    with pytest.raises(StoreCorruptError) as caught:
        Store(db_path)

    error = caught.value
    assert "damaged" in error.message
    assert db_path.read_bytes() == garbage  # never deleted or overwritten
    assert error.copy_path is not None
    assert str(error.copy_path) in error.message
    assert error.copy_path.read_bytes() == garbage


def test_damaged_pages_detected_at_open(db_path: Path) -> None:
    with Store(db_path) as store:
        for n in range(200):
            store.save_draft(valid_draft(item_id=n + 1))
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(db_path.read_bytes())
    page = 4096
    # Scribble over the middle pages (the header survives, the b-trees do not).
    for offset in range(2 * page, min(len(data), 8 * page)):
        data[offset] = 0x5A
    db_path.write_bytes(bytes(data))
    before = db_path.read_bytes()

    with pytest.raises(StoreCorruptError):
        Store(db_path)
    assert db_path.read_bytes() == before


def test_newer_schema_is_refused_untouched(db_path: Path) -> None:
    with Store(db_path) as store:
        store.save_draft(valid_draft())
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(StoreTooNewError, match="newer version"):
        Store(db_path)
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 99
        assert conn.execute("SELECT count(*) FROM drafts").fetchone()[0] == 1
    finally:
        conn.close()


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions (not root)"
)
def test_unwritable_folder(tmp_path: Path) -> None:
    folder = tmp_path / "readonly"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(StoreUnwritableError, match="cannot be"):
            Store(folder / "sub" / "impilo.sqlite3")
    finally:
        folder.chmod(0o700)


def test_folder_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the profile folder should be", encoding="utf-8")
    with pytest.raises(StoreUnwritableError, match="cannot be created or written"):
        Store(blocker / "profile" / "impilo.sqlite3")
    assert blocker.read_text(encoding="utf-8").startswith("a file")
