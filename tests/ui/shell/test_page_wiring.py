"""The shell connects the pages: reorder from history and opening a draft land in New order;
"open in history" from New order selects the order in Order history; File > New order."""

from __future__ import annotations

from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from impilo_desktop.ui.shell.main_window import MainWindow

from .conftest import sandbox_draft, submit


def test_pages_are_wired_together(qtbot: QtBot, online_window: MainWindow) -> None:
    window = online_window
    window.show_page("history")

    # Reorder (history) -> New order shows that draft.
    draft = sandbox_draft(count=3)
    window.history.reorder_requested.emit(draft)
    assert window.current_page_key() == "new_order"
    shown = window.order_entry.draft
    assert shown.draft_id == draft.draft_id
    assert shown.item_lines[0].count == 3

    # "Open in history" (New order) -> Order history, the order selected.
    with qtbot.waitSignal(window.services.outbox.entry_sent, timeout=15_000) as sent:
        submit(qtbot, window, sandbox_draft())
    order_id = sent.args[0].order_id
    window.order_entry.open_order_requested.emit(order_id)
    assert window.current_page_key() == "history"
    table = window.history.findChild(QTableView, "orderHistoryTable")
    assert table is not None

    def selected() -> bool:
        index = table.currentIndex()
        return index.isValid() and str(order_id) in str(index.siblingAtColumn(0).data())

    qtbot.waitUntil(selected, timeout=15_000)

    # File > New order (Ctrl+N): back on New order.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.menus.new_order_action.trigger()
    assert window.current_page_key() == "new_order"
    assert window.order_entry.draft.draft_id != draft.draft_id
