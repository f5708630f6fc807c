"""`impilo-desktop profile remove NAME`: nothing of the profile left on disk or in the keyring;
refused while orders are unsent (unless written out first or --force), while another process
sends from the profile, and while the window is open."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from impilo_desktop.cli import main
from impilo_desktop.config import Profile, Settings
from impilo_desktop.domain import OrderDraft, PatientChoice
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.secrets import DATABASE_KEY_SERVICE, SERVICE, KeyStore, MemoryKeyring
from impilo_desktop.store import EntryState, Store
from tests.other_sender import another_sender, leftovers
from tests.store.patient_change_samples import address_change


def _keyed_store(profile: Profile, home: Path) -> Store:
    """The profile's store as the command line opens it here: its key from the test's
    keyring (the `memory_keyring` fixture makes a keyring available, made on first use)."""
    key = KeyStore().database_key(profile.name, Store.path_for(profile, home))
    return Store.open_profile(profile, home, key=key)


def _draft(item_id: int = 1001) -> OrderDraft:
    draft = OrderDraft()
    draft.set_patient(PatientChoice(id=10001, first_name="Jacqueline", last_name="Seed"))
    draft.add_item(item_id, 2, name="Seed item")
    return draft


@pytest.fixture
def custom_profile(
    app_home: Path, sandbox: SandboxServer, memory_keyring: MemoryKeyring
) -> Profile:
    """A custom profile with drafts, a sent order, both keyring entries, its address in the
    settings and remembered export folders in window.ini."""
    profile = Profile("custom", sandbox.base_url)
    with _keyed_store(profile, app_home) as store:
        store.save_draft(_draft())
        entry = store.enqueue(_draft(), server=profile.base_url)
        assert entry.state == EntryState.QUEUED
    (profile.data_dir(app_home) / "impilo.sqlite3.damaged-20260101").write_bytes(b"old")
    memory_keyring.set_password(SERVICE, "custom", "the-api-key")
    assert memory_keyring.get_password(DATABASE_KEY_SERVICE, "custom")  # made by the open
    memory_keyring.set_password(SERVICE, "staging", "another-profile-key")
    Settings(last_profile="custom", base_urls={"custom": sandbox.base_url}).save(app_home)
    (app_home / "window.ini").write_text(
        "[dialogs]\nlastCsvFolder=/clinic/exports\nlastPdfFolder=/clinic/pdf\n"
        "[history]\ncolumns=1 2 3\n",
        encoding="utf-8",
    )
    return profile


def _send_everything(profile: Profile, home: Path) -> None:
    with _keyed_store(profile, home) as store:
        for entry in store.list_outbox():
            store.mark_sending(entry.entry_id)
            store.mark_sent(entry.entry_id, 90_000 + entry.entry_id)


def test_remove_leaves_nothing_of_the_profile(
    custom_profile: Profile,
    app_home: Path,
    memory_keyring: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _send_everything(custom_profile, app_home)

    code = main(["profile", "remove", "custom"])

    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Removed this computer's data for profile 'custom'" in out
    assert leftovers(app_home, "custom") == []
    assert memory_keyring.get_password(SERVICE, "custom") is None
    assert memory_keyring.get_password(DATABASE_KEY_SERVICE, "custom") is None
    assert memory_keyring.get_password(SERVICE, "staging") == "another-profile-key"
    settings = Settings.load(app_home)
    assert settings.last_profile is None
    assert "custom" not in settings.base_urls
    window_ini = (app_home / "window.ini").read_text(encoding="utf-8")
    assert "lastCsvFolder" not in window_ini
    assert "lastPdfFolder" not in window_ini
    assert "columns=1 2 3" in window_ini


def test_unsent_orders_are_listed_and_nothing_is_removed(
    custom_profile: Profile, app_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["profile", "remove", "custom"])

    _out, err = capsys.readouterr()
    assert code == 1
    assert "1 order is not sent yet from profile 'custom'" in err
    assert "#1 Jacqueline Seed — 2 items, waiting 1 min" in err
    assert "Nothing was removed" in err
    with _keyed_store(custom_profile, app_home) as store:
        assert [e.state for e in store.list_outbox()] == [EntryState.QUEUED]


def test_an_unsent_address_correction_is_listed_and_nothing_is_removed(
    custom_profile: Profile, app_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _send_everything(custom_profile, app_home)
    with _keyed_store(custom_profile, app_home) as store:
        store.enqueue_patient_change(address_change(10001), server=custom_profile.base_url)

    code = main(["profile", "remove", "custom"])

    _out, err = capsys.readouterr()
    assert code == 1
    assert "1 address correction is not sent yet from profile 'custom'" in err
    assert "Address correction for Jane Doe (patient 10001)" in err
    assert "Nothing was removed" in err
    with _keyed_store(custom_profile, app_home) as store:
        assert len(store.list_patient_changes()) == 1


def test_export_to_writes_order_files_that_import_back(
    custom_profile: Profile,
    app_home: Path,
    tmp_path: Path,
    sandbox: SandboxServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    exported = tmp_path / "exported"

    code = main(["profile", "remove", "custom", "--export-to", str(exported)])

    out, err = capsys.readouterr()
    assert code == 0, err
    [written] = sorted(exported.iterdir())
    assert f"Wrote {written}" in out
    assert leftovers(app_home, "custom") == []
    body = json.loads(written.read_text(encoding="utf-8"))
    assert body["patient"]["id"] == 10001
    assert body["orderItems"] == [{"item": {"id": 1001}, "count": 2}]

    account = ["--profile", "sandbox", "--base-url", sandbox.base_url]
    assert main(["drafts", "import", str(written), *account]) == 0
    with _keyed_store(Profile("sandbox", sandbox.base_url), app_home) as store:
        [entry] = store.list_outbox()
    assert entry.draft.item_lines[0].item_id == 1001
    assert entry.draft.patient is not None
    assert entry.draft.patient.id == 10001


def test_force_removes_unsent_orders_too(
    custom_profile: Profile, app_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["profile", "remove", "custom", "--force"]) == 0
    assert leftovers(app_home, "custom") == []


def test_refused_while_another_process_sends(
    custom_profile: Profile, app_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _send_everything(custom_profile, app_home)
    database = Store.path_for(custom_profile, app_home)
    key = KeyStore().database_key("custom")
    assert key is not None
    with another_sender(database, key=key.as_text()):
        code = main(["profile", "remove", "custom"])
    _out, err = capsys.readouterr()
    assert code == 2
    assert "is sending this account's orders right now, so nothing was removed" in err
    assert database.exists()


def test_refused_while_the_window_is_open(
    custom_profile: Profile, app_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _send_everything(custom_profile, app_home)
    window = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.readline()"], stdin=subprocess.PIPE, text=True
    )
    try:
        (app_home / "impilo-desktop.lock").write_text(
            f"{window.pid}\nimpilo-desktop\n{socket.gethostname()}\n", encoding="utf-8"
        )
        code = main(["profile", "remove", "custom"])
    finally:
        window.communicate("\n", timeout=30)
    _out, err = capsys.readouterr()
    assert code == 2
    assert "Impilo Desktop is open on this computer" in err
    assert Store.path_for(custom_profile, app_home).exists()
    assert os.getpid() != window.pid


def test_an_export_that_fails_removes_nothing(
    custom_profile: Profile, app_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("", encoding="utf-8")
    assert main(["profile", "remove", "custom", "--export-to", str(not_a_folder)]) == 2
    assert "Nothing was removed: the orders could not be written to" in capsys.readouterr().err

    # A recipient and no items, as a version with other rules might have queued it.
    incomplete = OrderDraft()
    incomplete.set_patient(PatientChoice(id=10001, first_name="Jacqueline", last_name="Seed"))
    with _keyed_store(custom_profile, app_home) as store:
        store.enqueue(incomplete, server=custom_profile.base_url, validate=False)
    exported = tmp_path / "exported"
    assert main(["profile", "remove", "custom", "--export-to", str(exported)]) == 2
    err = capsys.readouterr().err
    assert "Nothing was removed: #2 (Jacqueline Seed — nothing added yet) is not a complete" in err
    assert Store.path_for(custom_profile, app_home).exists()
