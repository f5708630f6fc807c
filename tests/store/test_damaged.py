"""A damaged or emptied database file: one copy kept however often it is opened, and the
user told where it is; a file cut to 0 bytes is started anew with a notice, never silently."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from impilo_desktop.store import Store, StoreCorruptError, StoreFoundEmpty
from tests.store.samples import valid_draft

GARBAGE = b"this is not an sqlite database " * 200


def _copies(db_path: Path) -> list[Path]:
    return sorted(db_path.parent.glob(f"{db_path.name}.damaged-*"))


def _damaged(db_path: Path, content: bytes = GARBAGE) -> None:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    db_path.write_bytes(content)


def test_twenty_opens_of_a_damaged_file_keep_one_copy(db_path: Path) -> None:
    _damaged(db_path)
    errors: list[StoreCorruptError] = []
    for _ in range(20):
        with pytest.raises(StoreCorruptError) as caught:
            Store(db_path)
        errors.append(caught.value)

    [copy] = _copies(db_path)
    assert copy.is_absolute()
    assert copy.read_bytes() == GARBAGE
    assert db_path.read_bytes() == GARBAGE  # the file itself is never changed
    for error in errors:
        assert error.copy_path == copy
        assert f"A copy was kept at {copy}." in error.message


def test_the_wal_is_copied_once_with_its_database(db_path: Path) -> None:
    _damaged(db_path)
    wal = Path(f"{db_path}-wal")
    wal.write_bytes(b"what a WAL might hold " * 50)
    for _ in range(5):
        with pytest.raises(StoreCorruptError):
            Store(db_path)

    [copy, copied_wal] = _copies(db_path)  # the database and its -wal, once
    assert copied_wal == Path(f"{copy}-wal")
    assert copied_wal.read_bytes() == wal.read_bytes()
    assert wal.exists()  # the original WAL was not deleted either


def test_a_damaged_file_and_its_wal_stay_exactly_as_they_were(
    tmp_path: Path, db_path: Path
) -> None:
    # A database whose process died with changes still in its WAL, then damaged on disk.
    source = tmp_path / "source.sqlite3"
    writer = sqlite3.connect(source, isolation_level=None)
    writer.execute("PRAGMA journal_mode = WAL")
    writer.execute("CREATE TABLE t (x TEXT)")
    for _ in range(300):
        writer.execute("INSERT INTO t VALUES (?)", ("y" * 500,))
    writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for _ in range(20):
        writer.execute("INSERT INTO t VALUES (?)", ("z" * 500,))
    data = bytearray(source.read_bytes())
    data[2 * 4096 : 8 * 4096] = b"\x5a" * (6 * 4096)
    _damaged(db_path, bytes(data))
    wal = Path(f"{db_path}-wal")
    wal.write_bytes(Path(f"{source}-wal").read_bytes())
    writer.close()
    before = (db_path.read_bytes(), wal.read_bytes())

    for _ in range(20):
        with pytest.raises(StoreCorruptError) as caught:
            Store(db_path)

    # Checked read-only: SQLite neither folded the WAL into the file nor deleted it.
    assert (db_path.read_bytes(), wal.read_bytes()) == before
    copy = caught.value.copy_path
    assert copy is not None
    assert _copies(db_path) == [copy, Path(f"{copy}-wal")]
    assert (copy.read_bytes(), Path(f"{copy}-wal").read_bytes()) == before


def test_a_new_damage_after_starting_over_gets_its_own_copy(db_path: Path) -> None:
    _damaged(db_path)
    with pytest.raises(StoreCorruptError) as first:
        Store(db_path)
    # Support moves the damaged file away; the profile starts over and works ...
    shutil.move(db_path, db_path.with_name("moved-away.sqlite3"))
    with Store(db_path) as store:
        store.save_draft(valid_draft())
    # ... until the new file is damaged too: that is other data, so another copy.
    other = b"damaged again, differently " * 300
    db_path.write_bytes(other)
    for _ in range(3):
        with pytest.raises(StoreCorruptError) as second:
            Store(db_path)

    assert first.value.copy_path is not None
    assert second.value.copy_path is not None
    assert _copies(db_path) == sorted([first.value.copy_path, second.value.copy_path])
    assert first.value.copy_path.read_bytes() == GARBAGE  # the earlier copy is kept
    assert second.value.copy_path.read_bytes() == other
    assert str(second.value.copy_path) in second.value.message


def test_an_empty_file_is_started_anew_and_the_user_is_told(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"")

    with Store(db_path) as store:
        notice = store.notice
        assert isinstance(notice, StoreFoundEmpty)
        assert f"The local database at {db_path} was found empty (0 bytes)" in notice.message
        assert "A new, empty database was started" in notice.message
        assert notice.copy_path is None  # nothing was left to copy
        store.save_draft(valid_draft())  # the new database works

    assert _copies(db_path) == []
    with Store(db_path) as again:  # said once: the file is a real database now
        assert again.notice is None
        assert len(again.list_drafts()) == 1


def test_an_empty_file_beside_its_wal_keeps_the_wal(db_path: Path) -> None:
    wal = Path(f"{db_path}-wal")
    with Store(db_path) as store:
        for n in range(5):
            store.save_draft(valid_draft(item_id=n + 1))
        last_changes = wal.read_bytes()  # while open, the drafts are still in the WAL
    assert last_changes
    db_path.write_bytes(b"")  # cut short, as a disk or sync tool might
    wal.write_bytes(last_changes)

    with Store(db_path) as store:
        notice = store.notice
        assert isinstance(notice, StoreFoundEmpty)
        assert notice.copy_path is not None
        kept_wal = Path(f"{notice.copy_path}-wal")
        assert kept_wal.read_bytes() == last_changes
        assert f"What was left of it was copied to {kept_wal}." in notice.message
        assert store.list_drafts() == []


def test_a_new_database_is_never_left_empty_or_beside_leftovers(db_path: Path) -> None:
    with Store(db_path) as store:
        assert store.notice is None
        assert db_path.stat().st_size > 0
    assert sorted(p.name for p in db_path.parent.iterdir() if ".new-" in p.name) == []
    with Store(db_path) as again:
        assert again.notice is None
