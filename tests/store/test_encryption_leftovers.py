"""What the encryption of a plain store from before leaves beside it: no plain copy (damaged
copies, their WAL, creation temporaries), a plain copy it had to keep named as such, and its
flushes reaching the disk itself on macOS (F_FULLFSYNC)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from impilo_desktop.store import DatabaseKey, Store, StoreCorruptError, cipher
from impilo_desktop.store.drafts import upsert_draft
from tests.store.test_encryption import CANARY, _canary_draft, _plain_store, _readable_anywhere


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock"))


def test_plain_copies_beside_the_store_are_deleted_by_its_encryption(tmp_path: Path) -> None:
    path = tmp_path / "profile" / "impilo.sqlite3"
    _plain_store(path, 5)
    folder = path.parent
    # What an earlier version left: a damaged copy with its WAL, the WAL of a database it
    # found empty (beside a 0-byte copy), a creation temporary cut short.
    shutil.copy2(path, folder / "impilo.sqlite3.damaged-20260101-101010")
    (folder / "impilo.sqlite3.damaged-20260101-101010-wal").write_bytes(
        f"WAL of {CANARY} Mokoena1".encode()
    )
    (folder / "impilo.sqlite3.damaged-20260102-101010").write_bytes(b"")
    (folder / "impilo.sqlite3.damaged-20260102-101010-wal").write_bytes(
        f"WAL of {CANARY} Mokoena2".encode()
    )
    shutil.copy2(path, folder / "impilo.sqlite3.new-0123456789abcdef")
    # A damaged copy of an encrypted database holds nothing readable: it stays.
    other = tmp_path / "other" / "impilo.sqlite3"
    with Store(other, key=DatabaseKey.random()) as encrypted:
        encrypted.save_draft(_canary_draft(99))
    shutil.copy2(other, folder / "impilo.sqlite3.damaged-20260103-101010")

    key = DatabaseKey.random()
    with Store(path, key=key) as store:
        assert len(store.list_drafts()) == 5

    assert _readable_anywhere(folder, CANARY) == []
    assert _files(folder) == ["impilo.sqlite3", "impilo.sqlite3.damaged-20260103-101010"]


def test_a_plain_copy_found_beside_an_encrypted_store_is_deleted_at_the_next_open(
    tmp_path: Path,
) -> None:
    # The deletion was cut short (power): the next start finishes it.
    path = tmp_path / "profile" / "impilo.sqlite3"
    _plain_store(path, 3)
    plain_copy = tmp_path / "plain-copy.sqlite3"
    shutil.copy2(path, plain_copy)
    key = DatabaseKey.random()
    Store(path, key=key).close()
    shutil.copy2(plain_copy, path.with_name("impilo.sqlite3.damaged-20260101-101010"))
    # A WAL kept beside a 0-byte copy, now that the database is encrypted, may be all that is
    # left of an encrypted database found empty: it cannot tell, and stays.
    path.with_name("impilo.sqlite3.damaged-20260104-101010").write_bytes(b"")
    path.with_name("impilo.sqlite3.damaged-20260104-101010-wal").write_bytes(b"wal frames")

    Store(path, key=key).close()

    assert _files(path.parent) == [
        "impilo.sqlite3",
        "impilo.sqlite3.damaged-20260104-101010",
        "impilo.sqlite3.damaged-20260104-101010-wal",
    ]


def test_a_failed_encryption_says_the_copy_it_kept_is_not_encrypted(tmp_path: Path) -> None:
    path = tmp_path / "profile" / "impilo.sqlite3"
    _plain_store(path, 1)
    conn = cipher.connect(path, None, isolation_level=None)
    try:  # enough rows for pages beyond the first, to damage
        conn.execute("BEGIN")
        for n in range(2, 400):
            upsert_draft(conn, _canary_draft(n), time.time())
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    data = bytearray(path.read_bytes())
    page = 4096
    data[page * 2 : page * 6] = b"\xa5" * (page * 4)  # pages 3-6 garbled, the header intact
    path.write_bytes(bytes(data))

    with pytest.raises(StoreCorruptError) as raised:
        Store(path, key=DatabaseKey.random())

    message = raised.value.message
    assert "could not be encrypted; it was left as it was, unencrypted" in message
    assert raised.value.copy_path is not None
    assert f"The copy kept at {raised.value.copy_path} is not encrypted either" in message
    assert cipher.is_plain(raised.value.copy_path)
    assert cipher.is_plain(path)


def test_the_encryptions_flushes_reach_the_disk_on_macos(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # macOS is simulated: the store asks for F_FULLFSYNC (51) where Linux has no such
    # command; the call is recorded and answered with an fsync.
    if os.name != "posix":
        pytest.skip("fcntl is POSIX")
    import fcntl

    commands: list[int] = []

    def full_fsync(fd: int, command: int, *_args: object) -> int:
        commands.append(command)
        os.fsync(fd)
        return 0

    path = tmp_path / "profile" / "impilo.sqlite3"
    _plain_store(path, 3)
    shutil.copy2(path, path.with_name("impilo.sqlite3.damaged-20260101-101010"))
    monkeypatch.setattr(fcntl, "fcntl", full_fsync)

    Store(path, key=DatabaseKey.random(), platform="darwin").close()

    # The copy, the folder after its rename, the wiped plain file, the folder after the
    # swap, the wiped damaged copy and the folder once more: each flushed through the drive.
    assert commands.count(51) >= 6
    assert set(commands) == {51}
