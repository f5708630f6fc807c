"""Fixtures for the app shell: the real window from `create_app`, an in-memory keyring,
a home folder in tmp_path and a real sandbox server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import keyring.backends.fail
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from impilo_desktop.domain import OrderDraft, PatientChoice
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.secrets import KeyStore, MemoryKeyring
from impilo_desktop.store import EntryState, OutboxEntry
from impilo_desktop.ui.app import create_app
from impilo_desktop.ui.drafts.model import DraftRow
from impilo_desktop.ui.plumbing.theme import scheme_follower
from impilo_desktop.ui.shell.main_window import MainWindow

NOT_ORDERABLE_ITEM = 1012

MakeWindow = Callable[..., MainWindow]


def sandbox_draft(item_id: int = 1001, count: int = 1) -> OrderDraft:
    """A valid draft for a seeded sandbox patient and item."""
    draft = OrderDraft()
    draft.set_patient(PatientChoice(id=10001, first_name="Jacqueline", last_name="Seed"))
    draft.add_item(item_id, count, name="Seed item")
    return draft


@pytest.fixture
def keys(memory_keyring: MemoryKeyring) -> KeyStore:
    return KeyStore(backend=memory_keyring, env={})


@pytest.fixture
def make_window(
    qtbot: QtBot, app_home: Path, keys: KeyStore, sandbox: SandboxServer
) -> Iterator[MakeWindow]:
    """`make_window(*argv, start=True)`: the app's real main window, shown and started.

    It depends on the test's `sandbox` so that its windows shut down while that server still
    answers (pytest tears fixtures down in the reverse order of their set-up): a window
    closing after its server has gone waits out the retries of its requests in flight,
    about 1.5 s per test, and tests nothing."""
    windows: list[MainWindow] = []

    def make(*argv: str, start: bool = True) -> MainWindow:
        _app, window = create_app(list(argv), home=app_home, keys=keys)
        windows.append(window)
        # A first run opens maximised on a laptop-sized screen; tests choose their own size.
        window.setWindowState(Qt.WindowState.WindowNoState)
        window.resize(1180, 760)
        if start:
            window.show()
            window.start()
        return window

    yield make
    for window in windows:
        for child in window.findChildren(QWidget):
            if child.isWindow() and child.isVisible():
                child.close()
        window.shutdown()
        window.quit_guard.confirmed = True
        window.close()
        window.deleteLater()
    scheme_follower().set_scheme(Qt.ColorScheme.Unknown)


@pytest.fixture
def custom_argv(sandbox: SandboxServer) -> list[str]:
    """Command-line arguments for an account on the test's sandbox."""
    return ["--profile", "custom", "--base-url", sandbox.base_url]


W = TypeVar("W", bound=QWidget)


def visible_child(qtbot: QtBot, parent: QWidget, kind: type[W], name: str) -> W:
    """Wait until `parent` has a visible child `kind` named `name` (a dialog it opened)."""
    found: list[W] = []

    def shown() -> bool:
        child = parent.findChild(kind, name)
        if child is not None and child.isVisible():
            found[:] = [child]
            return True
        return False

    qtbot.waitUntil(shown, timeout=15_000)  # a busy 2-core machine runs the whole suite
    return found[0]


@pytest.fixture
def online_window(
    qtbot: QtBot,
    make_window: MakeWindow,
    sandbox: SandboxServer,
    custom_argv: list[str],
    keys: KeyStore,
) -> MainWindow:
    """The app on a custom account (with its key) on the test's sandbox, online."""
    keys.set_key("custom", sandbox.api_key)
    window = make_window(*custom_argv)
    wait_online(qtbot, window)
    return window


def submit(qtbot: QtBot, window: MainWindow, draft: OrderDraft) -> OutboxEntry:
    """Hand `draft` to the outbox as New order does; returns the entry once queued."""
    queued: list[OutboxEntry] = []
    window.services.outbox.submit(draft, on_queued=queued.append)
    qtbot.waitUntil(lambda: bool(queued), timeout=10_000)
    return queued[0]


def shown_entry(qtbot: QtBot, window: MainWindow, entry_id: int, state: EntryState) -> DraftRow:
    """Wait until the Drafts page shows outbox entry `entry_id` in `state` (it reads the
    store on the bridge loop, so an earlier read may still be on screen), selected."""
    page = window.drafts_page

    def shown() -> bool:
        row = page.selected_row() if page.select_key(f"entry:{entry_id}") else None
        return row is not None and row.state == state

    qtbot.waitUntil(shown, timeout=15_000)
    row = page.selected_row()
    assert isinstance(row, DraftRow)
    return row


def wait_online(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: window.services.outbox.state == "online", timeout=15_000)


@pytest.fixture
def session_only(
    qtbot: QtBot, app_home: Path, custom_argv: list[str], sandbox: SandboxServer
) -> Iterator[MainWindow]:
    """The app on the test's sandbox with no keyring and no passphrase: in memory only."""
    keys = KeyStore(backend=keyring.backends.fail.Keyring(), env={})
    keys.pin_session_key("custom", sandbox.api_key)
    _app, window = create_app(
        custom_argv, home=app_home, keys=keys, ask_passphrase=lambda *_a, **_k: None
    )
    window.show()
    window.start()
    wait_online(qtbot, window)
    assert window.services.store.in_memory
    yield window
    window.shutdown()
    window.quit_guard.confirmed = True
    window.close()
    window.deleteLater()
