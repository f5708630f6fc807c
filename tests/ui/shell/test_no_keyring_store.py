"""Where no safe keyring exists: the database key comes from a passphrase typed at start
(checked before the window opens, never written anywhere), or there is none and the session
keeps its data in memory, which the app says plainly. Settings says which mode is in force."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import keyring.backends.fail
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from impilo_desktop.config import Profile
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.secrets import KeyStore
from impilo_desktop.store import DatabaseKey, Store, cipher
from impilo_desktop.ui.app import create_app
from impilo_desktop.ui.dialogs.passphrase import PassphraseDialog
from impilo_desktop.ui.shell.main_window import MainWindow

from .conftest import sandbox_draft, wait_online

PASSPHRASE = "kettle on the hob"
Open = Callable[..., MainWindow]


@pytest.fixture
def open_app(app_home: Path, custom_argv: list[str], sandbox: SandboxServer) -> Iterator[Open]:
    """`open_app(ask)`: the app on the test's sandbox with no keyring; `ask` stands in for
    the passphrase dialog."""
    windows: list[MainWindow] = []

    def open_(ask: Callable[..., str | None]) -> MainWindow:
        keys = KeyStore(backend=keyring.backends.fail.Keyring(), env={})
        keys.pin_session_key("custom", sandbox.api_key)
        _app, window = create_app(custom_argv, home=app_home, keys=keys, ask_passphrase=ask)
        windows.append(window)
        window.show()
        window.start()
        return window

    yield open_
    for window in windows:
        window.shutdown()
        window.quit_guard.confirmed = True
        window.close()
        window.deleteLater()


def _protection(window: MainWindow) -> str:
    window.show_page("settings")
    label = window.findChild(QLabel, "dataProtection")
    assert label is not None
    return label.text()


def test_a_passphrase_encrypts_the_store_and_opens_it_again(
    qtbot: QtBot, open_app: Open, app_home: Path, sandbox: SandboxServer
) -> None:
    asked: list[tuple[str, bool]] = []

    def ask(reason: str, *, new: bool, opens: Callable[[str], bool]) -> str | None:
        asked.append((reason, new))
        assert opens(PASSPHRASE)
        return PASSPHRASE

    window = open_app(ask)
    wait_online(qtbot, window)
    window.services.store.save_draft(sandbox_draft())
    path = window.services.store.path
    assert _protection(window) == "Encrypted with your passphrase."
    window.shutdown()

    assert asked == [("No password store (keyring) was found on this computer.", True)]
    assert cipher.file_salt(path) is not None  # the salt is the file's own
    assert not cipher.key_opens(path, DatabaseKey(passphrase="not the one"))
    assert not list(app_home.rglob("*salt*"))
    assert PASSPHRASE.encode() not in b"".join(
        p.read_bytes() for p in app_home.rglob("*") if p.is_file()
    )

    again = open_app(lambda reason, *, new, opens: PASSPHRASE if not new else None)
    assert len(again.services.store.list_drafts()) == 1
    assert not again.services.store.in_memory


def test_no_passphrase_keeps_the_session_in_memory_and_says_so(
    qtbot: QtBot, open_app: Open, app_home: Path
) -> None:
    window = open_app(lambda reason, *, new, opens: None)
    store = window.services.store
    assert store.in_memory
    assert window.notice_bar.isVisible()
    assert "lost when Impilo Desktop closes" in window.notice_bar.text.text()
    assert _protection(window).startswith("Not saved: this session only.")
    store.save_draft(sandbox_draft())
    assert len(store.list_drafts()) == 1
    assert not store.path.exists()


def test_the_passphrase_dialog_checks_before_it_closes(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "impilo.sqlite3"
    Store(path, key=DatabaseKey(passphrase=PASSPHRASE)).close()
    dialog = PassphraseDialog(
        "No password store (keyring) was found on this computer.",
        new=False,
        opens=lambda words: cipher.key_opens(path, DatabaseKey(passphrase=words)),
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.field, "kettle on the stove")
    qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    wrong = "That passphrase does not open the data saved on this computer."
    qtbot.waitUntil(lambda: dialog.problem.text() == wrong)  # checked on a thread of its own
    assert dialog.isVisible()
    dialog.field.clear()
    qtbot.keyClicks(dialog.field, PASSPHRASE)
    qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert dialog.passphrase == PASSPHRASE


def test_a_new_passphrase_is_typed_twice(qtbot: QtBot) -> None:
    dialog = PassphraseDialog("No keyring.", new=True, opens=lambda _words: True)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.field, PASSPHRASE)
    qtbot.keyClicks(dialog.again, "kettle on the hot")
    qtbot.keyClick(dialog.again, Qt.Key.Key_Return)
    assert "not the same" in dialog.problem.text()
    dialog.again.clear()
    qtbot.keyClicks(dialog.again, PASSPHRASE)
    qtbot.keyClick(dialog.again, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.passphrase == PASSPHRASE)


def test_a_plain_store_from_before_is_encrypted_at_start_with_nothing_lost(
    qtbot: QtBot, open_app: Open, app_home: Path, sandbox: SandboxServer
) -> None:
    path = Store.path_for(Profile("custom", sandbox.base_url), app_home)
    with Store(path) as plain:  # as an earlier version left it
        plain.save_draft(sandbox_draft())
    assert cipher.is_plain(path)
    window = open_app(lambda reason, *, new, opens, plain_unsent: PASSPHRASE)
    assert not cipher.is_plain(path)
    assert len(window.services.store.list_drafts()) == 1
    databases = [p.name for p in path.parent.iterdir() if not p.name.endswith(".lock")]
    assert sorted(databases) == ["impilo.sqlite3", "impilo.sqlite3-shm", "impilo.sqlite3-wal"]
