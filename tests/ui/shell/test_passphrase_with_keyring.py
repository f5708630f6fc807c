"""A database made with a passphrase on a day without a keyring, opened on a day the keyring
answers (review 13, finding 1): the app asks for that passphrase instead of saving a new key
that cannot open the file (declined: a session in memory, the file untouched). And the other
way round, a keyring database on a day without the keyring: the question says what to do."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import keyring.backend
import keyring.backends.fail
import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.secrets import DATABASE_KEY_SERVICE, KeyStore, MemoryKeyring
from impilo_desktop.ui.app import create_app
from impilo_desktop.ui.shell.main_window import MainWindow

from .conftest import sandbox_draft, wait_online

PASSPHRASE = "kettle on the hob"
Open = Callable[[keyring.backend.KeyringBackend, Callable[..., str | None]], MainWindow]


@pytest.fixture
def open_app(app_home: Path, custom_argv: list[str], sandbox: SandboxServer) -> Iterator[Open]:
    windows: list[MainWindow] = []

    def open_(
        backend: keyring.backend.KeyringBackend, ask: Callable[..., str | None]
    ) -> MainWindow:
        keys = KeyStore(backend=backend, env={})
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


def test_a_passphrase_database_asks_for_its_passphrase_when_the_keyring_answers(
    qtbot: QtBot, open_app: Open, memory_keyring: MemoryKeyring
) -> None:
    day_one = open_app(keyring.backends.fail.Keyring(), lambda reason, *, new, opens: PASSPHRASE)
    wait_online(qtbot, day_one)
    day_one.services.store.save_draft(sandbox_draft())
    day_one.shutdown()

    asked: list[tuple[str, bool]] = []

    def ask(reason: str, *, new: bool, opens: Callable[[str], bool]) -> str | None:
        asked.append((reason, new))
        assert not opens("kettle on the stove")
        assert opens(PASSPHRASE)
        return PASSPHRASE

    day_two = open_app(memory_keyring, ask)
    assert asked == [
        (
            "The password store (keyring) has no key for this account's data, which was "
            "protected with a passphrase.",
            False,
        )
    ]
    assert len(day_two.services.store.list_drafts()) == 1
    assert not day_two.services.store.in_memory
    day_two.show_page("settings")
    label = day_two.findChild(QLabel, "dataProtection")
    assert label is not None
    assert label.text() == "Encrypted with your passphrase."  # not "key in ... keyring"
    # No key was saved that could not open it.
    assert memory_keyring.get_password(DATABASE_KEY_SERVICE, "custom") is None


def test_declining_the_passphrase_keeps_the_session_in_memory_and_changes_nothing(
    qtbot: QtBot, open_app: Open, memory_keyring: MemoryKeyring, app_home: Path
) -> None:
    day_one = open_app(keyring.backends.fail.Keyring(), lambda reason, *, new, opens: PASSPHRASE)
    wait_online(qtbot, day_one)
    day_one.services.store.save_draft(sandbox_draft())
    path = day_one.services.store.path
    day_one.shutdown()
    before = path.read_bytes()

    day_two = open_app(memory_keyring, lambda reason, *, new, opens: None)
    assert day_two.services.store.in_memory  # as the dialog's warning says
    assert day_two.notice_bar.isVisible()
    assert memory_keyring.get_password(DATABASE_KEY_SERVICE, "custom") is None
    day_two.shutdown()
    assert path.read_bytes() == before


def test_a_keyring_database_with_the_keyring_locked_today_says_to_unlock_it(
    qtbot: QtBot, open_app: Open, memory_keyring: MemoryKeyring
) -> None:
    day_one = open_app(memory_keyring, lambda reason, *, new, opens: None)
    wait_online(qtbot, day_one)
    assert memory_keyring.get_password(DATABASE_KEY_SERVICE, "custom") is not None
    day_one.shutdown()

    asked: list[tuple[str, bool]] = []

    def ask(reason: str, *, new: bool, opens: Callable[[str], bool]) -> str | None:
        asked.append((reason, new))
        return None

    open_app(keyring.backends.fail.Keyring(), ask)
    [(reason, new)] = asked
    assert not new
    assert reason.startswith("No password store (keyring) was found on this computer.")
    assert "If you never chose a passphrase" in reason
    assert "unlock the password store and start Impilo Desktop again" in reason
