"""An order placed after New order moved on to the next one is announced in the window's
message bar (not on the form's banner), with "Open in history"."""

from __future__ import annotations

from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from impilo_desktop.ui.shell.main_window import MainWindow

from .conftest import sandbox_draft, submit


def test_an_order_placed_aside_shows_in_the_message_bar(
    qtbot: QtBot, online_window: MainWindow
) -> None:
    window = online_window
    with qtbot.waitSignal(window.services.outbox.entry_sent, timeout=15_000) as sent:
        submit(qtbot, window, sandbox_draft())
    order_id = sent.args[0].order_id
    window.order_entry.placed_aside.emit(order_id, f"Order #{order_id} placed for Ann Smith.")
    bar = window.notice_bar
    assert bar.isVisible()
    assert bar.text.text() == f"Order #{order_id} placed for Ann Smith."
    (button,) = bar.buttons()
    assert button.text() == "Open in history"
    button.click()
    assert window.current_page_key() == "history"
    table = window.history.findChild(QTableView, "orderHistoryTable")
    assert table is not None

    def selected() -> bool:
        index = table.currentIndex()
        return index.isValid() and str(order_id) in str(index.siblingAtColumn(0).data())

    qtbot.waitUntil(selected, timeout=15_000)
