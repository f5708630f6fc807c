"""The encrypted store: nothing readable on disk, a plain store from before encrypted in place
(even when the process is killed half-way), the passphrase and memory-only modes."""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from impilo_desktop.domain import OrderDraft, PatientChoice
from impilo_desktop.store import DatabaseKey, Store, StoreKeyError, cipher
from impilo_desktop.store.drafts import upsert_draft
from impilo_desktop.store.encrypting import checked_path, copy_path
from tests.store.samples import valid_draft

CANARY = "Zanelethu"  # a first name no other test data carries
ROOT = Path(__file__).resolve().parents[2]


def _canary_draft(n: int) -> OrderDraft:
    draft = OrderDraft()
    draft.set_patient(PatientChoice(id=n, first_name=CANARY, last_name=f"Mokoena{n}"))
    draft.add_item(2001, 1, name="BP monitor")
    return draft


def _plain_store(path: Path, drafts: int) -> None:
    """A store as an earlier version left it: plain SQLite, with `drafts` drafts."""
    with Store(path) as store:
        store.save_draft(_canary_draft(0))
    conn = cipher.connect(path, None, isolation_level=None)
    try:
        conn.execute("BEGIN")
        for n in range(1, drafts):
            upsert_draft(conn, _canary_draft(n), time.time())
        conn.execute("COMMIT")
    finally:
        conn.close()


def _files(folder: Path) -> list[str]:
    """The files of the database (an OS lock file beside it holds no data)."""
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock"))


def _readable_anywhere(folder: Path, text: str) -> list[str]:
    needle = text.encode("utf-8")
    return [p.name for p in folder.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_plain_store_is_encrypted_in_place_and_plain_sqlite_cannot_open_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "profile" / "impilo.sqlite3"
    _plain_store(path, 50)
    assert _readable_anywhere(path.parent, CANARY)  # the test data is there to be found
    key = DatabaseKey.random()
    seen: list[float] = []

    with Store(path, key=key, progress=seen.append) as store:
        assert len(store.list_drafts()) == 50
        store.save_draft(valid_draft())  # the WAL is written too

        assert _readable_anywhere(path.parent, CANARY) == []
    assert (seen[0], seen[-1]) == (0.0, 1.0)
    assert seen == sorted(seen)
    assert _files(path.parent) == ["impilo.sqlite3"]
    with pytest.raises(sqlite3.DatabaseError, match="file is not a database"):
        sqlite3.connect(path).execute("SELECT count(*) FROM sqlite_master")
    with Store(path, key=key) as again:
        assert len(again.list_drafts()) == 51


def test_the_encryption_report_leaves_an_open_store_alone(tmp_path: Path) -> None:
    """The self-test reports on the open window's store: it must not open the file with a
    second SQLite, which truncated the store's shared memory (-shm) under the open
    connections (a reading thread then died of SIGBUS)."""
    path = tmp_path / "impilo.sqlite3"
    with Store(path, key=DatabaseKey.random()) as store:
        store.save_draft(_canary_draft(1))
        shm = path.with_name(path.name + "-shm")
        assert shm.stat().st_size > 0
        before = (shm.stat().st_size, shm.read_bytes())
        assert cipher.encryption_report(path).startswith("SQLCipher ")
        assert (shm.stat().st_size, shm.read_bytes()) == before
        assert len(store.list_drafts()) == 1


def test_a_wrong_key_or_passphrase_is_said_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "impilo.sqlite3"
    with Store(path, key=DatabaseKey(passphrase="correct horse")) as store:
        store.save_draft(valid_draft())
    before = path.read_bytes()

    with pytest.raises(StoreKeyError) as caught:
        Store(path, key=DatabaseKey(passphrase="wrong horse"))
    assert "the passphrase is not the one it was saved with" in caught.value.message
    assert "correct" not in repr(caught.value) + caught.value.detail
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.damaged-*"))  # a wrong key is not damage
    with Store(path, key=DatabaseKey(passphrase="correct horse")) as store:
        assert len(store.list_drafts()) == 1


def test_the_passphrase_salt_is_the_database_files_own(tmp_path: Path) -> None:
    first, second = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    key = DatabaseKey(passphrase="same words")
    for path in (first, second):
        Store(path, key=key).close()
    salt_a, salt_b = cipher.file_salt(first), cipher.file_salt(second)
    assert salt_a is not None
    assert salt_a != salt_b
    assert not list(tmp_path.glob("*salt*"))


def test_a_key_shows_nothing_of_itself() -> None:
    key = DatabaseKey.random()
    words = DatabaseKey(passphrase="tell no one")
    assert key.as_text() not in repr(key) + str(key)
    assert "tell no one" not in repr(words) + str(words)


def test_an_in_memory_store_writes_no_database(tmp_path: Path) -> None:
    path = tmp_path / "profile" / "impilo.sqlite3"
    with Store(path, in_memory=True) as store:
        store.save_draft(_canary_draft(1))
        assert [d.patient.first_name for d in store.list_drafts() if d.patient] == [CANARY]
        assert store.in_memory
        assert not path.exists()
        assert _readable_anywhere(tmp_path, CANARY) == []


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_encryption_killed_at_random_moments_loses_nothing_and_leaves_one_file(
    tmp_path: Path,
) -> None:
    drafts = 20_000
    template = tmp_path / "template.sqlite3"
    _plain_store(template, drafts)
    folder = tmp_path / "profile"
    folder.mkdir()
    path = folder / "impilo.sqlite3"
    key = DatabaseKey.random()
    command = [sys.executable, "-m", "tests.store.encrypt_child", str(path), key.as_text()]
    rng = random.Random(20261130)
    found: set[str] = set()  # what the kills left behind
    kills = 0
    while kills < 30 and not {"copy", "checked", "done"} <= found:
        if not path.exists() or (not cipher.is_plain(path) and not checked_path(path).exists()):
            for leftover in _files(folder):
                (folder / leftover).unlink()
            shutil.copy(template, path)  # a finished run: start another from the plain file
        proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "opening"  # imports done: now it works
        if rng.random() < 0.5:
            # Aim at the last steps: the copy is checked; renamed, wiped and moved soon.
            while proc.stdout.readline().strip() not in ("0.95", ""):
                pass
            delay = rng.uniform(0.0, 0.05)
        else:
            delay = rng.uniform(0.0, 0.5)  # anywhere, mostly while the copy is written
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(timeout=60)
        proc.stdout.close()
        if copy_path(path).exists():
            found.add("copy")
        elif checked_path(path).exists():
            found.add("checked")
        elif cipher.is_plain(path):
            found.add("plain")
        else:
            found.add("done")

    assert {"copy", "checked", "done"} <= found, found  # every window was hit
    clean = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert clean.returncode == 0, clean.stderr
    assert _files(folder) == ["impilo.sqlite3"]  # exactly one file, encrypted
    assert not (folder / "impilo.sqlite3.encrypt.lock").read_bytes()  # the lock holds nothing
    assert not cipher.is_plain(path)
    assert _readable_anywhere(folder, CANARY) == []
    with Store(path, key=key) as store:
        assert len(store.list_drafts()) == drafts
    print(f"{kills} kills; states seen: {sorted(found)}")
    assert os.name != "posix" or oct(path.stat().st_mode & 0o777) == "0o600"


def test_a_second_process_does_not_encrypt_while_one_is_at_it(tmp_path: Path) -> None:
    from impilo_desktop.store import StoreLockedError
    from impilo_desktop.store.process_lock import LockState, ProcessLock

    path = tmp_path / "impilo.sqlite3"
    _plain_store(path, 5)
    other = ProcessLock(tmp_path / "impilo.sqlite3.encrypt.lock")  # as another copy holds it
    assert other.try_acquire() is LockState.ACQUIRED
    try:
        with pytest.raises(StoreLockedError, match="Another copy of Impilo Desktop is encrypting"):
            Store(path, key=DatabaseKey.random())
        assert cipher.is_plain(path)  # untouched
    finally:
        other.release()
    with Store(path, key=DatabaseKey.random()) as store:
        assert len(store.list_drafts()) == 5
