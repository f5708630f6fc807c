"""`run_app` as the command line runs it: on a fresh machine the window opens in sandbox
mode with the welcome dialog on top; closing the window ends the event loop."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from impilo_desktop.config import Settings
from impilo_desktop.secrets import MemoryKeyring
from impilo_desktop.ui.app import run_app
from impilo_desktop.ui.dialogs.welcome import WelcomeDialog
from impilo_desktop.ui.shell.main_window import MainWindow


def test_run_app_on_a_fresh_machine_opens_the_sandbox_with_the_welcome_dialog(
    qtbot: QtBot, app_home: Path, memory_keyring: MemoryKeyring
) -> None:
    seen: dict[str, object] = {}
    deadline = time.monotonic() + 30

    def check() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        window = next((w for w in windows if w.isVisible()), None)
        dialog = window.findChild(WelcomeDialog, "welcomeDialog") if window else None
        ready = (
            window is not None
            and dialog is not None
            and dialog.isVisible()
            and window.services.outbox.state == "online"
        )
        if ready:
            assert window is not None
            assert dialog is not None
            seen["profile"] = window.services.profile.name
            seen["banner"] = window.sandbox_banner.isVisible()
            dialog.reject()
            window.close()  # nothing unsent: the loop ends
        elif time.monotonic() > deadline:
            seen["timeout"] = True
            for w in windows:
                w.close()
        else:
            QTimer.singleShot(20, check)

    QTimer.singleShot(0, check)
    assert run_app([]) == 0
    assert "timeout" not in seen
    assert seen["profile"] == "sandbox"
    assert seen["banner"] is True
    assert (app_home / "logs").is_dir()
    assert Settings.load(app_home).last_profile is None  # nothing chosen yet


def test_run_app_explains_a_database_it_cannot_open(
    qtbot: QtBot, app_home: Path, memory_keyring: MemoryKeyring
) -> None:
    import sqlite3

    from PySide6.QtWidgets import QMessageBox

    # A database written by a newer Impilo Desktop: refused, and said so.
    folder = app_home / "profiles" / "sandbox"
    folder.mkdir(parents=True)
    with sqlite3.connect(folder / "impilo.sqlite3") as conn:
        conn.execute("PRAGMA user_version = 999")
    conn.close()
    shown: list[str] = []
    deadline = time.monotonic() + 30

    def close_box() -> None:
        box = next(
            (
                w
                for w in QApplication.topLevelWidgets()
                if isinstance(w, QMessageBox) and w.objectName() == "startupFailed"
            ),
            None,
        )
        if box is not None and box.isVisible():
            shown.append(box.text())
            box.close()
        elif time.monotonic() < deadline:
            QTimer.singleShot(20, close_box)

    QTimer.singleShot(0, close_box)
    assert run_app([]) == 1
    assert shown
    assert "could not start" in shown[0]
    assert "newer" in shown[0].lower()
