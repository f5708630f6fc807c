# mypy: disable-error-code="no-untyped-call"
"""profile_data.py without a window: removing a profile's data (the real Secret Service too),
what an interrupted removal leaves and how the next one finishes it, and window.ini."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from impilo_desktop.config import Profile
from impilo_desktop.profile_data import (
    SENDING_ELSEWHERE,
    TOMBSTONE_PREFIX,
    ProfileInUseError,
    forget_export_folders,
    remove_profile_data,
)
from impilo_desktop.secrets import DATABASE_KEY_SERVICE, SERVICE, KeyStore, MemoryKeyring
from impilo_desktop.store import DatabaseKey, Store, StoreLockedError
from impilo_desktop.store.base import open_lock_file
from impilo_desktop.store.process_lock import LockState, ProcessLock


def _profile_with_data(home: Path, name: str) -> Path:
    profile = Profile(name, "https://impilo.example.org")
    with Store.open_profile(profile, home, key=DatabaseKey.random()) as store:
        store.pause_outbox("kept for the test")  # a write: the database has a WAL
    folder = profile.data_dir(home)
    (folder / "impilo.sqlite3.damaged-20260101").write_bytes(b"an old damaged copy")
    return folder


def test_forget_profile_clears_both_entries_and_the_memory(memory_keyring: MemoryKeyring) -> None:
    keys = KeyStore(backend=memory_keyring, env={})
    keys.set_key("staging", "the-api-key")
    memory_keyring.set_password(DATABASE_KEY_SERVICE, "staging", "the-database-key")
    assert keys.get_key("staging") == "the-api-key"  # kept in memory from here on

    assert keys.forget_profile("staging") is True

    assert memory_keyring.get_password(SERVICE, "staging") is None
    assert memory_keyring.get_password(DATABASE_KEY_SERVICE, "staging") is None
    assert keys.get_key("staging") is None
    assert keys.forget_profile("staging") is True  # nothing there: fine


def test_a_removal_cut_short_is_finished_by_the_next(
    app_home: Path, memory_keyring: MemoryKeyring
) -> None:
    keys = KeyStore(backend=memory_keyring, env={})
    left = app_home / "profiles" / f"{TOMBSTONE_PREFIX}staging-0badf00d"
    (left / "sub").mkdir(parents=True)
    (left / "sub" / "impilo.sqlite3").write_bytes(b"half deleted")
    _profile_with_data(app_home, "staging")

    assert remove_profile_data(app_home, "staging", keys) == []

    assert list((app_home / "profiles").iterdir()) == []


def test_a_profile_never_opened_is_removed_without_creating_anything(
    app_home: Path, memory_keyring: MemoryKeyring
) -> None:
    memory_keyring.set_password(SERVICE, "staging", "a key saved without data")
    assert remove_profile_data(app_home, "staging", KeyStore(backend=memory_keyring)) == []
    assert not (app_home / "profiles").exists()
    assert memory_keyring.get_password(SERVICE, "staging") is None


def test_export_folders_leave_window_ini_and_nothing_else_does(app_home: Path) -> None:
    ini = app_home / "window.ini"
    ini.write_text(
        "[main]\ngeometry=@ByteArray(x)\n\n[dialogs]\nlastCsvFolder=/home/c/Jane Doe\n"
        "lastSaveFolder=/tmp\nother=kept\n\n[history]\nlastCsvFolder=not an export key\n",
        encoding="utf-8",
    )
    forget_export_folders(app_home)
    assert ini.read_text(encoding="utf-8") == (
        "[main]\ngeometry=@ByteArray(x)\n\n[dialogs]\nother=kept\n\n"
        "[history]\nlastCsvFolder=not an export key\n"
    )
    forget_export_folders(app_home / "nowhere")  # no window.ini: nothing to do


@pytest.mark.secret_service
def test_sign_out_with_the_real_secret_service(app_home: Path) -> None:
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        pytest.skip("no D-Bus session (run under .ci/with-secret-service.sh)")
    from keyring.backends import SecretService

    keys = KeyStore(backend=SecretService.Keyring(), env={})
    if not keys.available():
        pytest.skip(f"Secret Service not usable: {keys.unavailable_reason}")
    name = f"test-{uuid.uuid4().hex[:12]}"
    folder = _profile_with_data(app_home, name)
    try:
        assert keys.set_key(name, "real-keyring-key") is True
        keys.backend.set_password(DATABASE_KEY_SERVICE, name, "real-database-key")

        assert remove_profile_data(app_home, name, keys) == []

        fresh = SecretService.Keyring()  # a new connection: nothing read from memory
        assert fresh.get_password(SERVICE, name) is None
        assert fresh.get_password(DATABASE_KEY_SERVICE, name) is None
        assert not folder.exists()
        assert [p for p in app_home.rglob("*") if name in str(p)] == []
    finally:
        keys.forget_profile(name)


_STORE_HOLDER = """
import sys
from pathlib import Path
from impilo_desktop.store import DatabaseKey, Store, StoreLockedError
from impilo_desktop.store.base import open_lock_file
from impilo_desktop.store.process_lock import LockState, ProcessLock
with Store(Path(sys.argv[1]), key=DatabaseKey.from_text(sys.argv[2])) as store:
    print(len(store.list_outbox()), flush=True)  # open, between two sync passes
    sys.stdin.readline()
    print(len(store.list_outbox()), flush=True)
"""


def test_a_store_open_in_another_process_keeps_its_profile(
    app_home: Path, memory_keyring: MemoryKeyring
) -> None:
    # A `sync` loop between two passes: its store open, no sender lock held.
    key = DatabaseKey.random()
    memory_keyring.set_password(DATABASE_KEY_SERVICE, "staging", key.as_text())
    keys = KeyStore(backend=memory_keyring, env={})
    profile = Profile("staging", "https://impilo.example.org")
    with Store.open_profile(profile, app_home, key=key) as store:
        store.pause_outbox("kept for the test")
    database = Store.path_for(profile, app_home)
    holder = subprocess.Popen(
        [sys.executable, "-c", _STORE_HOLDER, str(database), key.as_text()],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[1],
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "0"

        with pytest.raises(ProfileInUseError) as refused:
            remove_profile_data(app_home, "staging", keys)

        assert refused.value.message == SENDING_ELSEWHERE
        assert database.is_file()
        assert memory_keyring.get_password(DATABASE_KEY_SERVICE, "staging") == key.as_text()
    finally:
        out, _ = holder.communicate("\n", timeout=60)
    assert holder.returncode == 0
    assert out.strip() == "0"  # still its database, whole
    assert remove_profile_data(app_home, "staging", keys) == []
    assert not database.parent.exists()


def test_no_store_opens_while_its_profile_is_being_removed(app_home: Path) -> None:
    profile = Profile("staging", "https://impilo.example.org")
    database = Store.path_for(profile, app_home)
    removal = ProcessLock(open_lock_file(database))
    database.parent.mkdir(parents=True)
    assert removal.try_acquire() == LockState.ACQUIRED
    try:
        with pytest.raises(StoreLockedError, match="being removed"):
            Store.open_profile(profile, app_home, key=DatabaseKey.random())
        assert not database.exists()
    finally:
        removal.release()


def test_a_queued_address_correction_is_unsent_listed_and_exported_as_text(
    tmp_path: Path,
) -> None:
    from impilo_desktop.profile_data import export_unsent, unsent_entries, unsent_line
    from impilo_desktop.unsent_changes import counted, split
    from tests.store.patient_change_samples import address_change

    with Store(tmp_path / "impilo.sqlite3") as store:
        queued = store.enqueue_patient_change(address_change(10001), server="https://a.test")
        unsent = unsent_entries(store)
    assert unsent == [queued]  # it was missing: sign-out deleted it without a word
    assert counted(*split(unsent)) == "1 address correction"
    line = unsent_line(queued)
    assert line.startswith("Address correction for Jane Doe (patient 10001), waiting 1 min")
    assert "Larkspur" not in line  # no address in terminals and logs

    [written] = export_unsent(unsent, tmp_path / "kept")
    assert written.name == "unsent-address-correction-1.txt"
    text = written.read_text(encoding="utf-8")
    assert "Address correction NOT SENT to Impilo" in text
    assert "patient number 10001 on https://a.test" in text
    assert "Was:         12 Old Quarry Road, Millbrook NY 12545" in text
    assert "Correct to:  480 Larkspur Lane, Apt 3, Rhinebeck NY 12572" in text
    assert "enter it in Impilo" in text
