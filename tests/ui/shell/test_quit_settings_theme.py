"""Leaving with unsent orders, the Settings page's key handling, and light/dark schemes."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.secrets import SERVICE, KeyStore, MemoryKeyring
from impilo_desktop.store import EntryState, Store
from impilo_desktop.ui.dialogs.quit_question import waiting_text
from impilo_desktop.ui.dialogs.welcome import WelcomeDialog
from impilo_desktop.ui.plumbing.theme import (
    DARK_STATUS,
    LIGHT_STATUS,
    _dark_palette,
    is_dark,
    scheme_follower,
)
from impilo_desktop.ui.shell.main_window import MainWindow

from .conftest import MakeWindow, sandbox_draft, submit, visible_child, wait_online


def visible_box(qtbot: QtBot, window: MainWindow, name: str) -> QMessageBox:
    return visible_child(qtbot, window, QMessageBox, name)


def button(box: QMessageBox, name: str) -> QPushButton:
    found = box.findChild(QPushButton, name)
    assert found is not None
    return found


def test_quit_with_unsent_orders_asks_then_sends_or_quits(
    qtbot: QtBot, online_window: MainWindow, sandbox: SandboxServer
) -> None:
    window = online_window
    sandbox.stop()  # the network goes away
    entry = submit(qtbot, window, sandbox_draft())
    qtbot.waitUntil(lambda: window.services.outbox.state == "offline", timeout=15_000)
    # The status bar follows the outbox's own reads, which may land a turn after its state.
    qtbot.waitUntil(lambda: window.status.connection.label.text() == "Offline")
    qtbot.waitUntil(lambda: window.status.outbox.label.text() == "Outbox: 1 to send")

    # Quit: it asks, and says when the order will go.
    window.close()
    box = visible_box(qtbot, window, "quitConfirmation")
    assert window.isVisible()
    assert box.text() == "1 order is waiting to be sent."
    assert "next time Impilo Desktop is open and online" in box.informativeText()

    # "Send now" while still offline: the window stays, with an explanation.
    with qtbot.waitSignal(window.services.outbox.drain_finished, timeout=15_000):
        qtbot.mouseClick(button(box, "quitSendNow"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.notice_bar.isVisible())
    assert "next time Impilo Desktop is online" in window.notice_bar.text.text()
    assert window.isVisible()

    # Back online, quit again and "Send now": the order goes, then the window closes.
    sandbox.start()
    window.close()
    box = visible_box(qtbot, window, "quitConfirmation")
    qtbot.mouseClick(button(box, "quitSendNow"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=15_000)
    assert window._shut_down
    profile = window.services.profile
    with Store.open_profile(
        profile, window.home, key=window.keys.database_key(profile.name)
    ) as store:
        assert store.get_entry(entry.entry_id).state == EntryState.SENT


def test_quit_anyway_keeps_the_order_for_next_time(
    qtbot: QtBot, online_window: MainWindow, sandbox: SandboxServer
) -> None:
    window = online_window
    sandbox.stop()
    submit(qtbot, window, sandbox_draft())
    submit(qtbot, window, sandbox_draft(count=2))
    qtbot.waitUntil(lambda: window.services.outbox.state == "offline", timeout=15_000)
    window.close()
    box = visible_box(qtbot, window, "quitConfirmation")
    assert box.text() == "2 orders are waiting to be sent."
    qtbot.mouseClick(button(box, "quitCancel"), Qt.MouseButton.LeftButton)
    assert window.isVisible()
    window.close()
    box = visible_box(qtbot, window, "quitConfirmation")
    qtbot.mouseClick(button(box, "quitAnyway"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.isVisible())
    # The outbox survives on disk for the next start.
    profile = window.services.profile
    with Store.open_profile(
        profile, window.home, key=window.keys.database_key(profile.name)
    ) as store:
        states = [e.state for e in store.list_outbox()]
    assert states
    assert all(s in (EntryState.QUEUED, EntryState.IN_DOUBT) for s in states)


def test_settings_remove_and_replace_key(
    qtbot: QtBot,
    make_window: MakeWindow,
    sandbox: SandboxServer,
    custom_argv: list[str],
    keys: KeyStore,
    memory_keyring: MemoryKeyring,
) -> None:
    keys.set_key("custom", sandbox.api_key)
    window = make_window(*custom_argv)
    window.show_page("settings")
    page = window.settings_page
    assert page.key_value.text() == "Saved in this computer's password store."
    assert page.url_value.text() == sandbox.base_url

    qtbot.mouseClick(page.remove_button, Qt.MouseButton.LeftButton)
    box = page.findChild(QMessageBox, "removeKeyConfirmation")
    assert box is not None
    qtbot.waitUntil(box.isVisible)
    qtbot.mouseClick(button(box, "confirmRemoveKey"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.key_value.text().startswith("No key yet"))
    assert memory_keyring.get_password(SERVICE, "custom") is None
    assert not page.remove_button.isEnabled()
    assert window.status.connection.label.text() == "No API key"

    qtbot.mouseClick(page.replace_button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(WelcomeDialog, "newKeyDialog")
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.windowTitle() == "Enter the API key"
    qtbot.keyClicks(dialog.key_edit, sandbox.api_key)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=15_000)
    assert memory_keyring.get_password(SERVICE, "custom") == sandbox.api_key
    assert page.key_value.text() == "Saved in this computer's password store."
    wait_online(qtbot, window)


def test_no_keyring_keeps_the_key_for_the_session_and_says_so(
    qtbot: QtBot, make_window: MakeWindow, sandbox: SandboxServer, custom_argv: list[str]
) -> None:
    import keyring.backends.fail

    window = make_window(*custom_argv)
    window.keys._backend = keyring.backends.fail.Keyring()  # no password store at all
    window.keys._checked = False
    window.prompt_for_new_key("missing")
    dialog = window.findChild(WelcomeDialog, "newKeyDialog")
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    assert "kept only until you close" in dialog.keyring_note.text()
    qtbot.keyClicks(dialog.key_edit, sandbox.api_key)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=15_000)
    assert window.keys.is_session_only("custom")
    window.show_page("settings")
    assert window.settings_page.key_value.text().startswith("Kept for this session only.")


def text_color(label: QLabel) -> str:
    return label.palette().color(QPalette.ColorRole.WindowText).name()


def test_light_and_dark_schemes(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window()
    wait_online(qtbot, window)
    follower = scheme_follower()
    follower.set_scheme(Qt.ColorScheme.Dark)
    qtbot.waitUntil(is_dark)
    qtbot.waitUntil(lambda: DARK_STATUS.good in window.status.connection.label.styleSheet())
    # New order's problem and hint labels follow the scheme through their palettes; the
    # form has no style sheet, which would restyle all of it (label_roles.py).
    form = window.order_entry.form
    assert form.styleSheet() == ""
    hint = form.reason_label
    assert hint.property("role") == "hint"
    assert text_color(hint) == DARK_STATUS.muted
    assert text_color(form.items_error) == DARK_STATUS.bad
    assert not window.grab().isNull()
    follower.set_scheme(Qt.ColorScheme.Light)
    qtbot.waitUntil(lambda: not is_dark())
    qtbot.waitUntil(lambda: LIGHT_STATUS.good in window.status.connection.label.styleSheet())
    assert text_color(hint) == LIGHT_STATUS.muted
    assert text_color(form.items_error) == LIGHT_STATUS.bad

    # View > Appearance forces a scheme and remembers it; "Follow the system" undoes it.
    window.menus.scheme_actions["dark"].trigger()
    qtbot.waitUntil(is_dark)
    assert window.window_settings.value("appearance") == "dark"
    window.menus.scheme_actions["system"].trigger()
    assert window.window_settings.value("appearance") == "system"


def test_switching_account_from_settings_asks_for_the_missing_key(
    qtbot: QtBot,
    make_window: MakeWindow,
    sandbox: SandboxServer,
    memory_keyring: MemoryKeyring,
    app_home: object,
) -> None:
    window = make_window()  # fresh machine: the built-in sandbox
    assert window.services.profile.is_sandbox
    window.show_page("settings")
    page = window.settings_page
    assert not page.replace_button.isVisible()
    page.profile_choice.setCurrentIndex(page.profile_choice.findData("custom"))
    assert page.custom_url.isVisible()

    page.custom_url.setText("http://impilo.example.org")  # plain http to a remote host
    qtbot.mouseClick(page.switch_button, Qt.MouseButton.LeftButton)
    assert "https" in page.switch_message.text()
    assert window.services.profile.is_sandbox

    page.custom_url.setText(sandbox.base_url)
    with qtbot.waitSignal(window.profile_switched):
        qtbot.mouseClick(page.switch_button, Qt.MouseButton.LeftButton)
    assert window.services.profile.name == "custom"
    assert window.status.connection.label.text() == "No API key"
    dialog = window.findChild(WelcomeDialog, "newKeyDialog")
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.windowTitle() == "Enter the API key"
    qtbot.keyClicks(dialog.key_edit, sandbox.api_key)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=15_000)
    wait_online(qtbot, window)
    assert memory_keyring.get_password(SERVICE, "custom") == sandbox.api_key


def test_switching_to_an_account_whose_database_cannot_open_stays_put(
    qtbot: QtBot, make_window: MakeWindow, app_home: object
) -> None:
    import sqlite3

    from impilo_desktop.config import BUILTIN_BASE_URLS, Profile, Settings

    home = Path(str(app_home))
    folder = home / "profiles" / "staging"
    folder.mkdir(parents=True)
    with sqlite3.connect(folder / "impilo.sqlite3") as conn:
        conn.execute("PRAGMA user_version = 999")  # written by a newer version
    conn.close()
    window = make_window()
    window.switch_profile(Profile("staging", BUILTIN_BASE_URLS["staging"]))
    qtbot.waitUntil(window.notice_bar.isVisible)  # the store is opened off the UI thread
    assert window.services.profile.is_sandbox
    assert "Could not switch to staging" in window.notice_bar.text.text()
    assert Settings.load(home).last_profile != "staging"


def test_a_database_found_empty_is_said_in_the_window(
    qtbot: QtBot, make_window: MakeWindow, app_home: Path
) -> None:
    from impilo_desktop.config import BUILTIN_BASE_URLS, Profile

    for name in ("sandbox", "staging"):
        folder = app_home / "profiles" / name
        folder.mkdir(parents=True)
        (folder / "impilo.sqlite3").write_bytes(b"")  # cut short by a disk or sync tool

    window = make_window()

    assert window.store_banner.isVisible()
    sandbox_file = app_home / "profiles" / "sandbox" / "impilo.sqlite3"
    assert f"{sandbox_file} was found empty (0 bytes)" in window.store_banner.text.text()
    window.show_notice("Impilo cannot be reached right now.")  # other news does not hide it
    assert window.store_banner.isVisible()

    with qtbot.waitSignal(window.profile_switched):
        window.switch_profile(Profile("staging", BUILTIN_BASE_URLS["staging"]))
    assert window.services.profile.name == "staging"
    assert window.store_banner.isVisible()
    staging_file = app_home / "profiles" / "staging" / "impilo.sqlite3"
    assert f"{staging_file} was found empty" in window.store_banner.text.text()


def test_the_quit_question_names_address_corrections_apart_from_orders() -> None:
    assert waiting_text(1) == "1 order is waiting to be sent."
    assert waiting_text(1, 1) == "1 address correction is waiting to be sent."
    assert waiting_text(3, 1) == "2 orders and 1 address correction are waiting to be sent."
    assert waiting_text(3, 2) == "1 order and 2 address corrections are waiting to be sent."


def test_a_palette_the_os_changes_reaches_every_view(qtbot: QtBot, make_window: MakeWindow) -> None:
    """Windows 11's and macOS's own styles change the application's palette themselves,
    after the scheme signal our follower hears: the banners, New order's problems,
    Settings and Drafts take the new scheme's colours all the same."""
    window = make_window()
    form = window.order_entry.form
    window.order_entry.submit()  # nothing chosen yet: the recipient problem shows
    assert text_color(form.recipient_error) == LIGHT_STATUS.bad
    window.show_page("settings")
    window.show_page("drafts")
    banner = window.sandbox_banner
    assert LIGHT_STATUS.banner_bg in banner.styleSheet()
    before = QApplication.palette()
    light_window = before.color(QPalette.ColorRole.Window)
    dark_window = _dark_palette().color(QPalette.ColorRole.Window)

    def sidebar_window() -> QColor:
        return window.page_list.palette().color(QPalette.ColorRole.Window)

    assert window.page_list.styleSheet()
    assert sidebar_window() == light_window
    try:
        QApplication.setPalette(_dark_palette())
        qtbot.waitUntil(lambda: DARK_STATUS.banner_bg in banner.styleSheet())
        assert DARK_STATUS.muted in window.settings_page.note.styleSheet()
        assert DARK_STATUS.muted in window.drafts_page.empty.styleSheet()
        assert text_color(form.recipient_error) == DARK_STATUS.bad
        assert text_color(form.reason_label) == DARK_STATUS.bad
        # Widgets with a style sheet of their own are polished again with the new palette.
        assert sidebar_window() == dark_window
    finally:
        QApplication.setPalette(before)
    qtbot.waitUntil(lambda: LIGHT_STATUS.banner_bg in banner.styleSheet())
    assert sidebar_window() == light_window
    assert LIGHT_STATUS.muted in window.settings_page.note.styleSheet()
    assert LIGHT_STATUS.muted in window.drafts_page.empty.styleSheet()
    assert text_color(form.recipient_error) == LIGHT_STATUS.bad
