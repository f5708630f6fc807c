"""Notes on the history page: they cover nothing the coordinator reads, and a confirmation
stays until it is read or something about the same order replaces it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QMainWindow, QToolButton, QWidget
from pytestqt.qtbot import QtBot

from impilo_desktop.api.models import Order
from impilo_desktop.domain.convert import order_to_draft
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.ui.history.notify import Notifier
from impilo_desktop.ui.history.view import OrderHistoryView
from impilo_desktop.ui.plumbing.services import AppServices

from .conftest import place_order, run


def rect_in(page: QWidget, widget: QWidget) -> QRect:
    return QRect(widget.mapTo(page, QPoint(0, 0)), widget.size())


def placed_by_this_app(qtbot: QtBot, services: AppServices, reference: str) -> int:
    """An order the outbox sent (so the poller watches it); its id."""
    order_id = run(qtbot, services.bridge, place_order(services, reference))
    order: Order = run(qtbot, services.bridge, services.client().get_order(order_id))
    entry = services.store.enqueue(order_to_draft(order), server=services.profile.base_url)
    services.store.mark_sending(entry.entry_id)
    services.store.mark_sent(entry.entry_id, order_id)
    return order_id


@pytest.fixture
def window(qtbot: QtBot, history: OrderHistoryView) -> Iterator[QMainWindow]:
    """The page in a window of a laptop's size, with the status bar the page echoes to."""
    framed = QMainWindow()
    qtbot.addWidget(framed)
    framed.setCentralWidget(history)
    framed.resize(1366, 768)
    framed.show()
    yield framed
    framed.takeCentralWidget()  # the page is the history fixture's to close


def test_a_void_confirmation_stays_over_unrelated_news_and_covers_no_detail(
    qtbot: QtBot,
    history: OrderHistoryView,
    window: QMainWindow,
    services: AppServices,
    sandbox: SandboxServer,
) -> None:
    voided = placed_by_this_app(qtbot, services, "desk-notice-1")
    other = placed_by_this_app(qtbot, services, "desk-notice-2")
    with qtbot.waitSignal(history.poller.poll_finished, timeout=20_000):
        assert history.poller.poll_now()

    history.show_order(voided)
    qtbot.waitUntil(lambda: history.detail.order is not None, timeout=20_000)
    history.void_order(voided)
    confirmation = f"Order {voided} was voided."
    qtbot.waitUntil(lambda: history.notifier.text == confirmation, timeout=20_000)
    assert history.notice.isVisible()
    assert not rect_in(history, history.notice).intersects(rect_in(history, history.detail))
    assert not rect_in(history, history.notice).intersects(rect_in(history, history.table))

    # Another order ships by itself a moment later: news, but not over the confirmation.
    sandbox.advance_time(7 * 24 * 3600)
    with qtbot.waitSignal(history.poller.status_changed, timeout=20_000) as changed:
        history.poller.poll_now()
    assert changed.args[0].id == other
    assert history.notifier.text == confirmation
    assert f"Order {other}" in window.statusBar().currentMessage()  # said where it fits

    # Read and closed: the bar is free for the next note.
    close = history.notice.findChild(QToolButton, "historyNoticeClose")
    assert close is not None
    qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
    assert history.notice.isHidden()


def test_only_a_note_about_the_same_order_replaces_a_confirmation(qtbot: QtBot) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    page = QWidget()
    window.setCentralWidget(page)
    notifier = Notifier(page)
    window.show()

    notifier.say("Order 7 was voided.", about=7)
    notifier.say("Order 8: Order placed → Shipped", about=8, news=True)
    assert notifier.text == "Order 7 was voided."
    notifier.say("Order 7: Order placed → Voided", about=7, news=True)
    assert notifier.text == "Order 7: Order placed → Voided"
    notifier.say("Order 8: Shipped → Delivered", about=8, news=True)  # news replaces news
    assert notifier.text == "Order 8: Shipped → Delivered"
    notifier.say("Saved the summary of order 8 to /tmp/x.pdf", about=8)
    assert notifier.text.startswith("Saved the summary")

    # While the page is behind another one, the confirmation is still there when it returns.
    page.hide()
    notifier.say("Order 9: Order placed → Shipped", about=9, news=True)
    page.show()
    assert notifier.text.startswith("Saved the summary")
