"""The built-in sandbox remembers: an order placed in the app is still in the sandbox (and in
history) after the app is closed and opened again, and its id is never handed out twice.
Settings > Reset sandbox data starts the sandbox again from its demo data; a damaged state
file is set aside without stopping the app."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.errors import NotFound
from impilo_desktop.api.models import Order
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.sandbox.persist import STATE_FILE_NAME
from impilo_desktop.store import EntryState
from impilo_desktop.ui.shell.main_window import MainWindow

from .conftest import MakeWindow, sandbox_draft, submit, visible_child, wait_online


def state_file(home: Path) -> Path:
    return home / "profiles" / "sandbox" / STATE_FILE_NAME


def ask_sandbox(
    qtbot: QtBot, window: MainWindow, call: Callable[[ImpiloClient], Awaitable[Any]]
) -> Any:
    """What the app's own client gets from its server: a result, or the error it raised."""
    outcome: list[Any] = []

    async def run() -> Any:
        return await call(window.services.client())

    window.bridge.submit(run(), on_result=outcome.append, on_error=outcome.append)
    qtbot.waitUntil(lambda: bool(outcome), timeout=15_000)
    return outcome[0]


def send_order(qtbot: QtBot, window: MainWindow, count: int = 1) -> tuple[int, str]:
    """Submit a draft through the outbox; (order id, client reference) once it is sent."""
    entry = submit(qtbot, window, sandbox_draft(count=count))
    store = window.services.store
    qtbot.waitUntil(
        lambda: store.get_entry(entry.entry_id).state == EntryState.SENT, timeout=15_000
    )
    sent = store.get_entry(entry.entry_id)
    assert sent.order_id is not None
    # ...and the window knows it (its outbox counts are read after each drain).
    qtbot.waitUntil(lambda: window.services.outbox.pending_count() == 0, timeout=15_000)
    return sent.order_id, sent.client_reference


def close(qtbot: QtBot, window: MainWindow) -> None:
    window.close()  # nothing unsent: it closes, and the built-in sandbox stops
    qtbot.waitUntil(lambda: not window.isVisible())
    assert not window.sandbox.running


def test_an_order_placed_in_the_app_is_there_after_a_restart(
    qtbot: QtBot, make_window: MakeWindow, app_home: Path
) -> None:
    window = make_window()  # a fresh machine: the built-in sandbox
    assert window.services.profile.is_sandbox
    wait_online(qtbot, window)
    order_id, reference = send_order(qtbot, window)
    close(qtbot, window)
    assert state_file(app_home).is_file()

    again = make_window()
    wait_online(qtbot, again)
    assert again.services.profile.is_sandbox  # a new built-in server, over the same file
    order = ask_sandbox(qtbot, again, lambda client: client.get_order(order_id))
    assert isinstance(order, Order)
    assert order.id == order_id
    assert reference in (order.external_order_ids or [])
    found = ask_sandbox(
        qtbot, again, lambda client: client.list_orders(external_order_ids=[reference])
    )
    assert [o.id for o in found.content] == [order_id]
    # History (paged from the sandbox) shows it too.
    again.show_page("history")
    model = again.history.model
    qtbot.waitUntil(lambda: model.has_order(order_id), timeout=20_000)
    # The outbox's record and the sandbox agree, and the next order gets a new id.
    next_id, _ = send_order(qtbot, again, count=2)
    assert next_id == order_id + 1


def reset_button(page: object) -> QPushButton:
    button = getattr(page, "reset_sandbox_button", None)
    assert isinstance(button, QPushButton)
    return button


def test_reset_sandbox_data_starts_again_from_the_demo_data(
    qtbot: QtBot, make_window: MakeWindow, app_home: Path
) -> None:
    window = make_window()
    wait_online(qtbot, window)
    order_id, _ = send_order(qtbot, window)
    window.show_page("settings")
    page = window.settings_page
    assert page.sandbox_group.isVisible()

    # Cancel (the default button) changes nothing.
    qtbot.mouseClick(reset_button(page), Qt.MouseButton.LeftButton)
    box = visible_child(qtbot, page, QMessageBox, "resetSandboxConfirmation")
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not box.isVisible())
    assert isinstance(ask_sandbox(qtbot, window, lambda c: c.get_order(order_id)), Order)

    # Confirmed: the order is gone, the seeded history is back, ids go on.
    qtbot.mouseClick(reset_button(page), Qt.MouseButton.LeftButton)
    box = visible_child(qtbot, page, QMessageBox, "resetSandboxConfirmation")
    confirm = box.findChild(QPushButton, "confirmResetSandbox")
    assert confirm is not None
    qtbot.mouseClick(confirm, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "demo data" in window.notice_bar.text.text(), timeout=15_000)
    assert reset_button(page).isEnabled()
    gone = ask_sandbox(qtbot, window, lambda c: c.get_order(order_id))
    assert isinstance(gone, NotFound)
    newest = ask_sandbox(qtbot, window, lambda c: c.list_orders(size=1))
    assert newest.content[0].id == order_id - 1  # the newest seeded order
    after_id, _ = send_order(qtbot, window)
    assert after_id == order_id + 1

    # It stays reset after a restart.
    close(qtbot, window)
    again = make_window()
    wait_online(qtbot, again)
    assert isinstance(ask_sandbox(qtbot, again, lambda c: c.get_order(order_id)), NotFound)
    assert isinstance(ask_sandbox(qtbot, again, lambda c: c.get_order(after_id)), Order)


def test_reset_is_offered_only_for_the_built_in_sandbox(
    qtbot: QtBot, make_window: MakeWindow, online_window: MainWindow, sandbox: SandboxServer
) -> None:
    online_window.show_page("settings")  # an account on another server
    assert not online_window.settings_page.sandbox_group.isVisible()
    standalone = make_window("--profile", "sandbox", "--base-url", sandbox.base_url)
    standalone.show_page("settings")  # a sandbox, but not the app's own
    assert standalone.services.profile.is_sandbox
    assert not standalone.settings_page.sandbox_group.isVisible()


def test_a_damaged_state_file_is_set_aside_and_the_app_starts(
    qtbot: QtBot, make_window: MakeWindow, app_home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = state_file(app_home)
    path.parent.mkdir(parents=True)
    path.write_bytes(b'{"format": 1, "orders": [{"id": ')
    with caplog.at_level(logging.WARNING, logger="impilo_desktop.ui.plumbing.session"):
        window = make_window()
    assert any("were not used: it is damaged" in r.getMessage() for r in caplog.records)
    aside = list(path.parent.glob(f"{STATE_FILE_NAME}.damaged-*"))
    assert len(aside) == 1
    assert aside[0].read_bytes().startswith(b'{"format": 1')
    wait_online(qtbot, window)
    order_id, _ = send_order(qtbot, window)
    saved = json.loads(path.read_bytes())
    assert [o["id"] for o in saved["orders"]] == [order_id]
