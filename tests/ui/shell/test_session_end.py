"""The OS ending the session (log-off, shut-down, an installer's Restart Manager) closes the
window without the unsent-orders question; the orders and the draft on screen stay on disk."""

from __future__ import annotations

from PySide6.QtCore import SIGNAL
from PySide6.QtGui import QSessionManager
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.store import EntryState, Store
from impilo_desktop.ui.shell.main_window import MainWindow

from .conftest import sandbox_draft, submit, visible_child


class RecordingSessionManager:
    """Stands in for Qt's QSessionManager, which only Qt itself can create."""

    def __init__(self) -> None:
        self.hints: list[QSessionManager.RestartHint] = []

    def setRestartHint(self, hint: QSessionManager.RestartHint, /) -> None:
        self.hints.append(hint)


def test_the_session_ending_closes_without_the_question_and_keeps_the_orders(
    qtbot: QtBot, online_window: MainWindow, sandbox: SandboxServer, qapp: QApplication
) -> None:
    window = online_window
    # The handler is what the application calls when the OS ends the session.
    assert qapp.receivers(SIGNAL("commitDataRequest(QSessionManager&)")) > 0
    assert qapp.receivers(SIGNAL("saveStateRequest(QSessionManager&)")) > 0
    sandbox.stop()
    entry = submit(qtbot, window, sandbox_draft())
    qtbot.waitUntil(lambda: window.services.outbox.state == "offline", timeout=15_000)
    # A person started to quit and the question is open when the log-off comes...
    window.close()
    visible_child(qtbot, window, QMessageBox, "quitConfirmation")
    # ...and a note typed a moment ago is not saved yet.
    window.show_page("new_order")
    qtbot.keyClicks(window.order_entry.form.notes, "Leave at reception")
    assert window.order_entry.autosave.pending
    draft_id = window.order_entry.draft.draft_id
    profile, home = window.services.profile, window.home

    manager = RecordingSessionManager()
    window.session_end.commit_data(manager)

    qtbot.waitUntil(lambda: not window.isVisible(), timeout=15_000)
    assert window._shut_down
    box = window.findChild(QMessageBox, "quitConfirmation")
    assert box is None or not box.isVisible()
    assert manager.hints == [QSessionManager.RestartHint.RestartIfRunning]
    with Store.open_profile(profile, home, key=window.keys.database_key(profile.name)) as store:
        [waiting] = store.list_outbox()
        saved = store.get_draft(draft_id)
    assert waiting.entry_id == entry.entry_id
    assert waiting.state in (EntryState.QUEUED, EntryState.IN_DOUBT)  # sent next time
    assert saved is not None
    assert saved.notes == ["Leave at reception"]


def test_saving_the_session_asks_to_be_started_again(online_window: MainWindow) -> None:
    manager = RecordingSessionManager()
    online_window.session_end.save_state(manager)
    assert manager.hints == [QSessionManager.RestartHint.RestartIfRunning]
    assert online_window.isVisible()  # saving the session is not ending it
