"""An order entering a state that needs the coordinator while they are on another page is
announced once in the window's message bar, naming the order and what to do, with "Open in
history" (issue 14)."""

from __future__ import annotations

from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.ui.shell.main_window import MainWindow

from .conftest import sandbox_draft, submit


def test_an_order_needing_action_is_announced_on_any_page_and_opens_from_there(
    qtbot: QtBot, online_window: MainWindow, sandbox: SandboxServer
) -> None:
    window = online_window
    history = window.history
    with qtbot.waitSignal(window.services.outbox.entry_sent, timeout=15_000) as sent:
        submit(qtbot, window, sandbox_draft())
    order_id = sent.args[0].order_id
    qtbot.waitUntil(lambda: history.poller.known_status(order_id) is not None, timeout=15_000)
    window.show_page("drafts")

    sandbox.put_in_needs_action(order_id, "unsuccessfulDelivery")
    with qtbot.waitSignal(history.needs_action_noticed, timeout=15_000):
        history.poller.poll_now()
    bar = window.notice_bar
    assert bar.isVisible()
    text = bar.text.text()
    assert text.startswith(f"Order {order_id} for Jacqueline ")
    assert "Delivery failed. Follow the tracking" in text
    (button,) = bar.buttons()
    assert button.text() == "Open in history"
    button.click()
    assert window.current_page_key() == "history"
    table = history.findChild(QTableView, "orderHistoryTable")
    assert table is not None

    def shown() -> bool:
        order = history.detail.order
        return order is not None and order.id == order_id and "Tracking:" in history.detail.text()

    qtbot.waitUntil(shown, timeout=15_000)
