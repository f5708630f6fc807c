"""Settings > "Sign out and remove this computer's data": with a real store and the real sandbox,
nothing of the profile is left on disk or in the keyring afterwards; unsent orders are listed
and can be exported first (or the question cancelled, keeping everything); another process
sending from the profile makes it refuse, removing nothing."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from impilo_desktop.config import Profile, Settings
from impilo_desktop.domain.importing import import_create_json
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.secrets import DATABASE_KEY_SERVICE, SERVICE, KeyStore, MemoryKeyring
from impilo_desktop.store import DatabaseKey, EntryState, Store
from impilo_desktop.ui.dialogs.welcome import WelcomeDialog
from impilo_desktop.ui.shell.main_window import MainWindow
from impilo_desktop.ui.shell.pages import SETTINGS
from tests.other_sender import another_sender, leftovers
from tests.store.patient_change_samples import address_change

from .conftest import MakeWindow, sandbox_draft, submit, visible_child, wait_online


def _remember_export_folders(home: Path) -> None:
    settings = QSettings(str(home / "window.ini"), QSettings.Format.IniFormat)
    settings.setValue("dialogs/lastCsvFolder", str(home))
    settings.setValue("dialogs/lastPdfFolder", str(home))
    settings.sync()


def _press_sign_out(qtbot: QtBot, window: MainWindow) -> None:
    """By keyboard, as a coordinator would: Settings, then Space on the button."""
    window.show_page(SETTINGS.key)
    button = window.settings_page.sign_out_group.button
    assert button.isVisible()
    assert button.text() == "Sign &out and remove this computer's data for Custom…"
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)


def _click(box: QMessageBox, name: str) -> None:
    button = box.findChild(QPushButton, name)
    assert button is not None
    button.click()


def test_sign_out_leaves_nothing_of_the_profile(
    qtbot: QtBot,
    online_window: MainWindow,
    app_home: Path,
    memory_keyring: MemoryKeyring,
    keys: KeyStore,
) -> None:
    window = online_window
    with qtbot.waitSignal(window.services.outbox.entry_sent, timeout=20_000) as sent:
        entry = submit(qtbot, window, sandbox_draft())
    assert sent.args[0].entry_id == entry.entry_id
    memory_keyring.set_password(DATABASE_KEY_SERVICE, "custom", "the-database-key")
    memory_keyring.set_password(SERVICE, "staging", "another-profile-key")
    _remember_export_folders(app_home)
    assert leftovers(app_home, "custom")

    _press_sign_out(qtbot, window)
    box = visible_child(qtbot, window.settings_page, QMessageBox, "signOutConfirmation")
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    with qtbot.waitSignal(window.session.signed_out, timeout=30_000) as done:
        _click(box, "confirmSignOut")

    assert done.args == ["custom", []]
    assert leftovers(app_home, "custom") == []
    assert memory_keyring.get_password(SERVICE, "custom") is None
    assert memory_keyring.get_password(DATABASE_KEY_SERVICE, "custom") is None
    assert memory_keyring.get_password(SERVICE, "staging") == "another-profile-key"
    assert keys.get_key("custom") is None
    assert "custom" not in Settings.load(app_home).base_urls
    # The first-run state: the sandbox is open and the welcome dialog asks for an account.
    assert window.services.profile.is_sandbox
    visible_child(qtbot, window, WelcomeDialog, "welcomeDialog")
    assert "nothing of the Custom account is left" in window.notice_bar.text.text()
    window.shutdown()  # the window's own settings are written once more at quit
    window_ini = (app_home / "window.ini").read_text(encoding="utf-8")
    assert "lastCsvFolder" not in window_ini
    assert "lastPdfFolder" not in window_ini
    assert leftovers(app_home, "custom") == []


def _window_with_unsent_order(
    make_window: MakeWindow, sandbox: SandboxServer, keys: KeyStore, app_home: Path
) -> MainWindow:
    """The custom account with one order queued while sending is paused (so it stays)."""
    profile = Profile("custom", sandbox.base_url)
    key = keys.database_key(profile.name, Store.path_for(profile, app_home))
    with Store.open_profile(profile, app_home, key=key) as store:
        store.enqueue(sandbox_draft(count=2), server=profile.base_url)
        store.pause_outbox("paused by the test")
    keys.set_key("custom", sandbox.api_key)
    return make_window("--profile", "custom", "--base-url", sandbox.base_url)


def test_unsent_orders_are_listed_and_cancel_keeps_everything(
    qtbot: QtBot,
    make_window: MakeWindow,
    sandbox: SandboxServer,
    keys: KeyStore,
    app_home: Path,
    memory_keyring: MemoryKeyring,
) -> None:
    window = _window_with_unsent_order(make_window, sandbox, keys, app_home)
    _press_sign_out(qtbot, window)
    box = visible_child(qtbot, window.settings_page, QMessageBox, "signOutUnsentQuestion")
    assert box.text() == "1 order has not been sent to Impilo yet."
    assert "#1 Jacqueline Seed — 2 items, waiting 1 min" in box.informativeText()
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)

    qtbot.keyClick(box, Qt.Key.Key_Escape)

    group = window.settings_page.sign_out_group
    qtbot.waitUntil(group.button.isEnabled, timeout=15_000)
    assert window.services.profile.name == "custom"
    assert Store.path_for(window.services.profile, app_home).exists()
    assert memory_keyring.get_password(SERVICE, "custom") == sandbox.api_key
    key = window.keys.database_key("custom")
    with Store.open_profile(window.services.profile, app_home, key=key) as store:
        assert [e.state for e in store.list_outbox()] == [EntryState.QUEUED]


def test_unsent_orders_exported_first_then_removed(
    qtbot: QtBot,
    make_window: MakeWindow,
    sandbox: SandboxServer,
    keys: KeyStore,
    app_home: Path,
    tmp_path: Path,
) -> None:
    window = _window_with_unsent_order(make_window, sandbox, keys, app_home)
    exported = tmp_path / "kept"
    exported.mkdir()
    _press_sign_out(qtbot, window)
    box = visible_child(qtbot, window.settings_page, QMessageBox, "signOutUnsentQuestion")
    _click(box, "exportUnsentButton")
    dialog = visible_child(qtbot, window.settings_page, QFileDialog, "exportUnsentDialog")
    assert "contain patient data" in dialog.windowTitle()
    with qtbot.waitSignal(window.session.signed_out, timeout=30_000):
        dialog.selectFile(str(exported))
        dialog.accept()

    [written] = list(exported.iterdir())
    imported = import_create_json(json.loads(written.read_text(encoding="utf-8")))
    assert imported.ok
    assert imported.draft.item_lines[0].count == 2
    assert leftovers(app_home, "custom") == []
    assert window.services.profile.is_sandbox


def test_an_unsent_address_correction_is_asked_about_and_exported_as_text(
    qtbot: QtBot,
    make_window: MakeWindow,
    sandbox: SandboxServer,
    keys: KeyStore,
    app_home: Path,
    tmp_path: Path,
) -> None:
    # Only a correction waits: the outbox's order list is empty.
    profile = Profile("custom", sandbox.base_url)
    key = keys.database_key(profile.name, Store.path_for(profile, app_home))
    with Store.open_profile(profile, app_home, key=key) as store:
        store.enqueue_patient_change(address_change(10001), server=profile.base_url)
        store.pause_outbox("paused by the test")
    keys.set_key("custom", sandbox.api_key)
    window = make_window("--profile", "custom", "--base-url", sandbox.base_url)
    exported = tmp_path / "kept"
    exported.mkdir()
    _press_sign_out(qtbot, window)
    box = visible_child(qtbot, window.settings_page, QMessageBox, "signOutUnsentQuestion")
    assert box.text() == "1 address correction has not been sent to Impilo yet."
    assert "Address correction for Jane Doe (patient 10001)" in box.informativeText()
    assert "address corrections as text files" in box.informativeText()
    _click(box, "exportUnsentButton")
    dialog = visible_child(qtbot, window.settings_page, QFileDialog, "exportUnsentDialog")
    with qtbot.waitSignal(window.session.signed_out, timeout=30_000):
        dialog.selectFile(str(exported))
        dialog.accept()

    [written] = list(exported.iterdir())
    assert written.name == "unsent-address-correction-1.txt"
    assert "Correct to:  480 Larkspur Lane" in written.read_text(encoding="utf-8")
    assert leftovers(app_home, "custom") == []


def test_refused_while_another_process_sends(
    qtbot: QtBot, online_window: MainWindow, app_home: Path, memory_keyring: MemoryKeyring
) -> None:
    window = online_window
    database = window.services.store.path
    key = window.keys.database_key("custom")
    assert key is not None
    with another_sender(database, key=key.as_text()):
        _press_sign_out(qtbot, window)
        box = visible_child(qtbot, window.settings_page, QMessageBox, "signOutConfirmation")
        with qtbot.waitSignal(window.session.sign_out_refused, timeout=30_000) as refused:
            _click(box, "confirmSignOut")
    assert "nothing was removed" in refused.args[0]
    group = window.settings_page.sign_out_group
    assert group.message.isVisible()
    assert group.message.text() == refused.args[0]
    assert group.button.isEnabled()
    assert window.services.profile.name == "custom"
    assert database.exists()
    assert memory_keyring.get_password(SERVICE, "custom") is not None
    # Sending goes on from here once the other copy has let go. Listening from before the
    # submit: its own drain can send the order before a later "Send now" (which then found
    # nothing to send, and the wait timed out).
    with qtbot.waitSignal(window.services.outbox.entry_sent, timeout=20_000) as sent:
        entry = submit(qtbot, window, sandbox_draft())
    assert sent.args[0].entry_id == entry.entry_id
    wait_online(qtbot, window)


def test_another_accounts_data_is_removed_without_opening_it(
    qtbot: QtBot,
    online_window: MainWindow,
    app_home: Path,
    memory_keyring: MemoryKeyring,
    sandbox: SandboxServer,
) -> None:
    # A staging account used on this computer before, with an order still waiting there.
    staging = Profile("staging", "https://staging.impiloplatform.com")
    key = DatabaseKey.random()
    with Store.open_profile(staging, app_home, key=key) as store:
        store.enqueue(sandbox_draft(), server=staging.base_url)
    memory_keyring.set_password(SERVICE, "staging", "staging-key")
    memory_keyring.set_password(DATABASE_KEY_SERVICE, "staging", key.as_text())
    window = online_window
    window.show_page(SETTINGS.key)
    group = window.settings_page.sign_out_group
    qtbot.waitUntil(lambda: "staging" in group.other_buttons, timeout=15_000)
    assert list(group.other_buttons) == ["staging"]  # not the open account, not the sandbox

    group.other_buttons["staging"].click()
    box = visible_child(qtbot, window.settings_page, QMessageBox, "signOutUnsentQuestion")
    assert "#1 Jacqueline Seed — 1 item" in box.informativeText()
    _click(box, "removeEverythingButton")

    qtbot.waitUntil(lambda: group.other_buttons == {}, timeout=15_000)
    assert group.message.text() == "Nothing of the Staging account is left on this computer."
    assert leftovers(app_home, "staging") == []
    assert memory_keyring.get_password(SERVICE, "staging") is None
    assert memory_keyring.get_password(DATABASE_KEY_SERVICE, "staging") is None
    # The open account is untouched and still sending.
    assert window.services.profile.name == "custom"
    assert memory_keyring.get_password(SERVICE, "custom") == sandbox.api_key
    with qtbot.waitSignal(window.services.outbox.entry_sent, timeout=20_000):
        submit(qtbot, window, sandbox_draft())


def test_another_account_whose_data_cannot_be_read_can_be_removed_anyway(
    qtbot: QtBot,
    online_window: MainWindow,
    app_home: Path,
    memory_keyring: MemoryKeyring,
    sandbox: SandboxServer,
) -> None:
    # A staging account whose database key is no longer in the keyring (a passphrase
    # database, or an entry deleted by hand): its unsent orders cannot be listed.
    staging = Profile("staging", "https://staging.impiloplatform.com")
    with Store.open_profile(staging, app_home, key=DatabaseKey.random()) as store:
        store.enqueue(sandbox_draft(), server=staging.base_url)
    memory_keyring.set_password(SERVICE, "staging", "staging-key")
    window = online_window
    window.show_page(SETTINGS.key)
    group = window.settings_page.sign_out_group
    qtbot.waitUntil(lambda: "staging" in group.other_buttons, timeout=15_000)

    group.other_buttons["staging"].click()
    box = visible_child(qtbot, window.settings_page, QMessageBox, "signOutUnreadableQuestion")
    assert "cannot be listed or exported" in box.text()
    assert "neither in the password store" in box.informativeText()
    assert "including any orders it had not sent yet" in box.informativeText()
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    qtbot.keyClick(box, Qt.Key.Key_Return)  # Enter keeps everything
    qtbot.waitUntil(lambda: all(b.isEnabled() for b in group.other_buttons.values()))
    assert Store.path_for(staging, app_home).exists()

    group.other_buttons["staging"].click()
    box = visible_child(qtbot, window.settings_page, QMessageBox, "signOutUnreadableQuestion")
    _click(box, "removeAnywayButton")
    qtbot.waitUntil(lambda: group.other_buttons == {}, timeout=15_000)
    assert group.message.text() == "Nothing of the Staging account is left on this computer."
    assert leftovers(app_home, "staging") == []
    assert memory_keyring.get_password(SERVICE, "staging") is None
