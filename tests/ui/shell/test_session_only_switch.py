"""A session-only session (no keyring, no passphrase: the store is in memory) loses its drafts
and unsent orders when its store closes. Switching account asks first, like quitting: Cancel
(the default) keeps everything, "Export them first…" writes order files and then switches."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFileDialog, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from impilo_desktop.domain import OrderDraft
from impilo_desktop.domain.importing import import_create_json
from impilo_desktop.ui.shell.main_window import MainWindow
from tests.store.patient_change_samples import address_change

from .conftest import sandbox_draft, visible_child


def _choose_sandbox(window: MainWindow) -> None:
    window.show_page("settings")
    page = window.settings_page
    choice = page.findChild(QComboBox, "profileChoice")
    assert choice is not None
    choice.setCurrentIndex(choice.findData("sandbox"))
    page.switch_button.click()


def _click(box: QMessageBox, name: str) -> None:
    button = box.findChild(QPushButton, name)
    assert button is not None
    button.click()


def _with_work(window: MainWindow) -> None:
    store = window.services.store
    store.pause_outbox("paused by the test")  # the order stays unsent
    store.enqueue(sandbox_draft(count=2), server=window.services.profile.base_url)
    store.save_draft(sandbox_draft(item_id=1002))


def test_switching_asks_first_and_cancel_keeps_everything(
    qtbot: QtBot, session_only: MainWindow
) -> None:
    window = session_only
    _with_work(window)
    _choose_sandbox(window)
    box = visible_child(qtbot, window.settings_page, QMessageBox, "leaveSessionQuestion")
    assert box.text() == "1 order not sent and 1 draft would be lost."
    assert "#1 Jacqueline Seed — 2 items" in box.informativeText()
    assert "Draft: Jacqueline Seed — 1 item" in box.informativeText()
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)

    qtbot.keyClick(box, Qt.Key.Key_Escape)

    qtbot.waitUntil(lambda: window.settings_page.findChild(QMessageBox) is None)
    assert window.services.profile.name == "custom"
    assert len(window.services.store.list_outbox()) == 1
    assert len(window.services.store.list_drafts()) == 1


def test_exported_first_then_switched(
    qtbot: QtBot, session_only: MainWindow, tmp_path: Path
) -> None:
    window = session_only
    _with_work(window)
    exported = tmp_path / "kept"
    exported.mkdir()
    _choose_sandbox(window)
    box = visible_child(qtbot, window.settings_page, QMessageBox, "leaveSessionQuestion")
    _click(box, "leaveSessionExport")
    dialog = visible_child(qtbot, window.settings_page, QFileDialog, "exportSessionDialog")
    assert "contain patient data" in dialog.windowTitle()
    with qtbot.waitSignal(window.profile_switched, timeout=30_000):
        dialog.selectFile(str(exported))
        dialog.accept()

    assert window.services.profile.is_sandbox
    written = sorted(path.name for path in exported.iterdir())
    assert written == ["draft-1.json", "unsent-order-1.json"]
    for path in exported.iterdir():
        assert import_create_json(json.loads(path.read_text(encoding="utf-8"))).ok


def test_nothing_to_lose_switches_without_asking(qtbot: QtBot, session_only: MainWindow) -> None:
    window = session_only
    with qtbot.waitSignal(window.profile_switched, timeout=30_000):
        _choose_sandbox(window)
    assert window.services.profile.is_sandbox


def test_switch_anyway_is_never_the_default(qtbot: QtBot, session_only: MainWindow) -> None:
    window = session_only
    _with_work(window)
    _choose_sandbox(window)
    box = visible_child(qtbot, window.settings_page, QMessageBox, "leaveSessionQuestion")
    with qtbot.waitSignal(window.profile_switched, timeout=30_000):
        _click(box, "leaveSessionSwitchAnyway")
    assert window.services.profile.is_sandbox


def test_an_incomplete_draft_stops_the_export_and_the_switch(
    qtbot: QtBot, session_only: MainWindow, tmp_path: Path
) -> None:
    window = session_only
    window.services.store.save_draft(OrderDraft())  # no recipient, no items yet
    _choose_sandbox(window)
    box = visible_child(qtbot, window.settings_page, QMessageBox, "leaveSessionQuestion")
    _click(box, "leaveSessionExport")
    dialog = visible_child(qtbot, window.settings_page, QFileDialog, "exportSessionDialog")
    dialog.selectFile(str(tmp_path))
    dialog.accept()
    message = window.settings_page.switch_message
    qtbot.waitUntil(lambda: "could not be exported" in message.text())
    assert "is not a complete order" in message.text()
    assert "The account was not switched." in message.text()
    assert window.services.profile.name == "custom"
    assert len(window.services.store.list_drafts()) == 1


def test_an_address_correction_counts_as_work_that_would_be_lost(
    qtbot: QtBot, session_only: MainWindow
) -> None:
    window = session_only
    store = window.services.store
    store.pause_outbox("paused by the test")  # the correction stays unsent
    store.enqueue_patient_change(address_change(10001), server=window.services.profile.base_url)
    _choose_sandbox(window)
    box = visible_child(qtbot, window.settings_page, QMessageBox, "leaveSessionQuestion")
    assert box.text() == "1 address correction not sent would be lost."
    assert "Address correction for Jane Doe (patient 10001)" in box.informativeText()
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.settings_page.findChild(QMessageBox) is None)
    assert window.services.profile.name == "custom"
    assert len(store.list_patient_changes()) == 1
