"""No keyring, and an unencrypted store an earlier version left: declining the passphrase
says plainly that the data stays unencrypted with its unsent orders, and offers the
passphrase again (the default)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring.backends.fail
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from impilo_desktop.config import Profile
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.secrets import KeyStore
from impilo_desktop.store import Store, cipher
from impilo_desktop.ui.app import create_app
from impilo_desktop.ui.dialogs.passphrase import PassphraseDialog
from impilo_desktop.ui.shell.main_window import MainWindow

from .conftest import sandbox_draft, visible_child


def _plain_store(path: Path, server: str, unsent: int) -> None:
    with Store(path) as plain:  # as an earlier version left it
        for _ in range(unsent):
            plain.enqueue(sandbox_draft(), server=server)
        plain.save_draft(sandbox_draft())
    assert cipher.is_plain(path)


@pytest.fixture
def started(
    app_home: Path, custom_argv: list[str], sandbox: SandboxServer
) -> Iterator[list[MainWindow]]:
    windows: list[MainWindow] = []
    yield windows
    for window in windows:
        window.shutdown()
        window.quit_guard.confirmed = True
        window.close()
        window.deleteLater()


def test_the_dialog_hears_how_many_orders_wait_in_the_plain_store(
    qtbot: QtBot,
    app_home: Path,
    custom_argv: list[str],
    sandbox: SandboxServer,
    started: list[MainWindow],
) -> None:
    path = Store.path_for(Profile("custom", sandbox.base_url), app_home)
    _plain_store(path, sandbox.base_url, unsent=2)
    heard: list[int | None] = []

    def ask(reason: str, *, new: bool, opens: object, plain_unsent: int | None = None) -> None:
        heard.append(plain_unsent)

    keys = KeyStore(backend=keyring.backends.fail.Keyring(), env={})
    keys.pin_session_key("custom", sandbox.api_key)
    _app, window = create_app(custom_argv, home=app_home, keys=keys, ask_passphrase=ask)
    started.append(window)
    assert heard == [2]
    assert window.services.store.in_memory
    assert cipher.is_plain(path)  # left as it was: the coordinator chose so


def _button(box: QMessageBox, name: str) -> QPushButton:
    button = box.findChild(QPushButton, name)
    assert button is not None
    return button


def test_declining_says_what_stays_unencrypted_and_offers_a_passphrase(qtbot: QtBot) -> None:
    dialog = PassphraseDialog("No keyring.", new=True, opens=lambda _w: True, plain_unsent=3)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.memory_button.click()
    box = visible_child(qtbot, dialog, QMessageBox, "plainDataLeftQuestion")
    assert "not encrypted, with 3 orders not yet sent" in box.text()
    assert "stays on this computer unencrypted" in box.informativeText()
    assert box.defaultButton() is _button(box, "plainSetPassphrase")
    assert dialog.isVisible()

    qtbot.keyClick(box, Qt.Key.Key_Return)  # the default: set a passphrase after all
    qtbot.waitUntil(lambda: dialog.findChild(QMessageBox) is None)
    assert dialog.isVisible()

    dialog.memory_button.click()
    box = visible_child(qtbot, dialog, QMessageBox, "plainDataLeftQuestion")
    _button(box, "plainLeaveUnencrypted").click()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert dialog.passphrase is None


def test_without_a_plain_store_declining_closes_at_once(qtbot: QtBot) -> None:
    dialog = PassphraseDialog("No keyring.", new=True, opens=lambda _w: True)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.memory_button.click()
    assert not dialog.isVisible()
    assert dialog.findChild(QMessageBox) is None
