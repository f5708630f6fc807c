"""The order history and a key that arrives after the account is open: what it says must be
about the key the app has now, not the one it had when the window was built."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.secrets import KeyStore
from impilo_desktop.ui.dialogs.welcome import WelcomeDialog
from impilo_desktop.ui.shell.main_window import MainWindow

from .conftest import MakeWindow, sandbox_draft, submit, visible_child


def history_says(window: MainWindow) -> str:
    banner = window.history.banner
    return banner.label.text() if banner.isVisible() else ""


def test_a_key_entered_after_the_custom_account_opened_lists_the_orders(
    qtbot: QtBot,
    make_window: MakeWindow,
    sandbox: SandboxServer,
    custom_argv: list[str],
    keys: KeyStore,
) -> None:
    # 1. A custom server with no key yet: the window builds its pages, history included,
    #    and Qt lays the hidden order list out.
    window = make_window(*custom_argv)
    assert window.needs_key()
    qtbot.waitExposed(window)
    QApplication.processEvents()
    assert window.history.model.pages_requested == 0  # nothing asked before the page shows

    # 2. The coordinator enters the key the window asks for; it is saved.
    window.prompt_for_new_key("missing")
    dialog = visible_child(qtbot, window, WelcomeDialog, "newKeyDialog")
    qtbot.keyClicks(dialog.key_edit, sandbox.api_key)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=15_000)

    # 3. Orders are sending.
    with qtbot.waitSignal(window.services.outbox.entry_sent, timeout=15_000):
        submit(qtbot, window, sandbox_draft())

    # 4. Order history lists the account's orders and says nothing about a missing key.
    window.show_page("history")
    model = window.history.model
    qtbot.waitUntil(lambda: model.loaded_count > 0 and not model.loading, timeout=15_000)
    assert history_says(window) == ""


def test_a_key_saved_before_the_session_heard_of_it_is_the_one_used(
    qtbot: QtBot,
    make_window: MakeWindow,
    sandbox: SandboxServer,
    custom_argv: list[str],
    keys: KeyStore,
) -> None:
    window = make_window(*custom_argv)
    window.show_page("history")
    qtbot.waitUntil(lambda: "No API key" in history_says(window), timeout=15_000)  # true then

    # The key is written (on the bridge loop, as the key dialog does) and a page is asked
    # for before anyone has told the session: the request goes with the key saved.
    saved: list[bool] = []
    window.bridge.call(keys.set_key, "custom", sandbox.api_key, on_result=saved.append)
    window.history.refresh()
    model = window.history.model
    qtbot.waitUntil(lambda: model.loaded_count > 0, timeout=15_000)
    assert saved
    assert history_says(window) == ""
