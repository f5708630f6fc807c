"""Sending while another copy of the app sends: "Send now" says so instead of doing nothing;
and the outbox's timers are not stretched by the OS."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from pytestqt.qtbot import QtBot

from impilo_desktop.ui.plumbing.outbox_sending import BUSY_ELSEWHERE
from impilo_desktop.ui.shell.main_window import MainWindow
from tests.other_sender import another_sender

from .conftest import sandbox_draft, submit


def test_send_now_says_when_another_copy_is_sending(
    qtbot: QtBot, online_window: MainWindow
) -> None:
    window = online_window
    key = window.keys.database_key("custom")
    assert key is not None
    with another_sender(window.services.store.path, key=key.as_text()):
        entry = submit(qtbot, window, sandbox_draft())
        window.show_page("drafts")
        page = window.drafts_page
        qtbot.waitUntil(page.send_button.isEnabled, timeout=15_000)
        with qtbot.waitSignal(window.services.outbox.busy_elsewhere, timeout=15_000):
            qtbot.mouseClick(page.send_button, Qt.MouseButton.LeftButton)
        assert window.notice_bar.isVisible()
        assert window.notice_bar.text.text() == BUSY_ELSEWHERE
        assert BUSY_ELSEWHERE.startswith("Another copy of Impilo Desktop is sending these orders")
    # With the other copy gone, Send now sends from here.
    with qtbot.waitSignal(window.services.outbox.entry_sent, timeout=15_000) as sent:
        qtbot.mouseClick(window.drafts_page.send_button, Qt.MouseButton.LeftButton)
    assert sent.args[0].entry_id == entry.entry_id


def test_the_outbox_timers_are_precise(online_window: MainWindow) -> None:
    # Coarse timers may be coalesced by the OS (macOS's timer tolerance): orders wait on these.
    outbox = online_window.services.outbox
    for name in ("outboxTimer", "outboxRetryTimer"):
        timer = outbox.findChild(QTimer, name)
        assert timer is not None
        assert timer.timerType() == Qt.TimerType.PreciseTimer
