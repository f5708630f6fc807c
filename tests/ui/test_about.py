"""Help → About shows what support needs and opens the log folder."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from impilo_desktop import __version__, config
from impilo_desktop.secrets import KeyStore, MemoryKeyring
from impilo_desktop.ui.app import create_app
from impilo_desktop.ui.dialogs.about import AboutDialog, app_icon, make_about_action
from impilo_desktop.ui.shell.main_window import MainWindow

STAGING = config.Profile("staging", "https://staging.impiloplatform.com")


def test_about_shows_version_qt_profile_and_log_folder(qtbot: QtBot) -> None:
    dialog = AboutDialog(STAGING)
    qtbot.addWidget(dialog)
    version = dialog.findChild(QLabel, "aboutVersion")
    assert version is not None
    assert version.text() == f"Version {__version__} (from source)"
    assert dialog.values["Qt"].text().startswith("Qt 6.")
    assert "PySide6 6." in dialog.values["Qt"].text()
    assert dialog.values["Profile"].text() == "staging (https://staging.impiloplatform.com)"
    assert dialog.values["Log folder"].text() == str(config.log_dir())
    assert not app_icon().isNull()


def test_about_opens_the_log_folder_and_copies_details(
    qtbot: QtBot, opened_urls: list[QUrl]
) -> None:
    dialog = AboutDialog(None)
    qtbot.addWidget(dialog)
    assert dialog.values["Profile"].text() == "(none chosen yet)"
    dialog.open_logs_button.click()
    assert [u.toLocalFile() for u in opened_urls] == [str(config.log_dir())]
    assert config.log_dir().is_dir()  # created so the file manager has something to show
    dialog.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert f"Impilo Desktop {__version__}" in copied
    assert f"Log folder: {config.log_dir()}" in copied


def test_about_action_opens_the_dialog_for_the_current_profile(qtbot: QtBot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    current = [STAGING]
    action = make_about_action(window, lambda: current[0])
    assert action.menuRole() == QAction.MenuRole.AboutRole
    seen: list[str] = []

    def close_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, AboutDialog)
        seen.append(dialog.values["Profile"].text())
        dialog.close_button.click()

    current[0] = config.Profile("sandbox", "http://127.0.0.1:8765")
    action.trigger()  # window-modal, without a nested event loop
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), AboutDialog))
    close_dialog()
    assert seen == ["sandbox (http://127.0.0.1:8765)"]


def background_tasks(window: MainWindow) -> int:
    """Tasks still running on the window's async bridge (other than this probe)."""

    async def count() -> int:
        return len(asyncio.all_tasks()) - 1

    return int(window.bridge.submit(count()).future.result(timeout=5))


def test_main_window_help_menu_opens_about_for_its_profile(
    qtbot: QtBot, app_home: Path, memory_keyring: MemoryKeyring
) -> None:
    _app, window = create_app(
        ["--profile", "sandbox"], home=app_home, keys=KeyStore(memory_keyring, env={})
    )
    try:
        action = window.findChild(QAction, "aboutAction")
        assert action is not None
        assert action in window.help_menu.actions()
        seen: list[str] = []

        def read_and_close() -> None:
            dialog = QApplication.activeModalWidget()
            assert isinstance(dialog, AboutDialog)
            seen.append(dialog.values["Profile"].text())
            dialog.close_button.click()

        action.trigger()
        qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), AboutDialog))
        read_and_close()
        assert seen == [f"sandbox ({window.services.profile.base_url})"]
        # Let the pages' first loads finish: cancelling a connection attempt half-way leaves
        # an un-awaited coroutine inside anyio that pytest would report.
        qtbot.waitUntil(lambda: background_tasks(window) == 0, timeout=10_000)
    finally:
        window.shutdown()
        window.quit_guard.confirmed = True
        window.close()
        window.deleteLater()
