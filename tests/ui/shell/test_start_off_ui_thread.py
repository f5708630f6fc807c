"""At start, before the window: the encryption of an earlier version's plain store and the
count of its unsent orders run on the bridge's thread while the UI thread paints the
progress (measured with the UI-thread profiler of test_ui_thread_io); the passphrase is
checked on a thread of its own while its dialog goes on answering."""

from __future__ import annotations

import threading
from pathlib import Path

import keyring.backends.fail
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from impilo_desktop.config import Profile
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.secrets import KeyStore
from impilo_desktop.store import Store, cipher
from impilo_desktop.ui.app import create_app
from impilo_desktop.ui.dialogs.passphrase import PassphraseDialog
from impilo_desktop.ui.plumbing.data_protection import ProgressRelay

from .conftest import sandbox_draft
from .test_ui_thread_io import ui_thread_io

PASSPHRASE = "kettle on the hob"


def test_encrypting_at_start_leaves_sqlite_to_the_bridge(
    qtbot: QtBot, app_home: Path, custom_argv: list[str], sandbox: SandboxServer
) -> None:
    path = Store.path_for(Profile("custom", sandbox.base_url), app_home)
    with Store(path) as plain:  # as an earlier version left it
        plain.enqueue(sandbox_draft(), server=sandbox.base_url)
        for _ in range(50):
            plain.save_draft(sandbox_draft())
    keys = KeyStore(backend=keyring.backends.fail.Keyring(), env={})
    keys.pin_session_key("custom", sandbox.api_key)
    heard: list[int | None] = []

    def ask(reason: str, *, new: bool, opens: object, plain_unsent: int | None = None) -> str:
        heard.append(plain_unsent)
        return PASSPHRASE

    with ui_thread_io() as seen:
        _app, window = create_app(custom_argv, home=app_home, keys=keys, ask_passphrase=ask)
    try:
        assert heard == [1]
        assert not cipher.is_plain(path)
        assert len(window.services.store.list_drafts()) == 50
        at_start = [line for line in seen if "data_protection" in line]
        assert at_start == []
    finally:
        window.shutdown()
        window.quit_guard.confirmed = True
        window.close()
        window.deleteLater()


def test_progress_is_passed_on_at_most_every_50_ms(qtbot: QtBot) -> None:
    relay = ProgressRelay()
    heard: list[int] = []
    relay.changed.connect(heard.append, Qt.ConnectionType.DirectConnection)
    relay.report(0.10)
    for step in range(11, 99):  # as fast as the SQLite progress handler calls it
        relay.report(step / 100)
    relay.report(1.0)  # the end is always shown
    assert heard[0] == 10
    assert heard[-1] == 100
    assert len(heard) < 10
    relay.deleteLater()


def test_the_passphrase_is_checked_off_the_ui_thread(qtbot: QtBot) -> None:
    release = threading.Event()
    checked_on: list[threading.Thread] = []

    def opens(words: str) -> bool:
        checked_on.append(threading.current_thread())
        release.wait(30)  # the key derivation and the page read, held until the test looks
        return words == PASSPHRASE

    dialog = PassphraseDialog("No keyring.", new=False, opens=opens)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.field, PASSPHRASE)
    qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    # The dialog answers while the check runs: it says so and takes no second answer.
    assert dialog.problem.text() == "Checking the passphrase…"
    assert not dialog.open_button.isEnabled()
    dialog.reject()  # Escape while checking
    assert dialog.isVisible()
    release.set()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert dialog.passphrase == PASSPHRASE
    assert checked_on
    assert checked_on[0] is not threading.main_thread()
