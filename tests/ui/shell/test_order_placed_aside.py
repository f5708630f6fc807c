"""An order placed after New order moved on to the next one is announced in the window's
message bar (not on the form's banner), with "Open in history"; one refused then is announced
there too, with "Open", and the order being typed is left alone."""

from __future__ import annotations

from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.ui.shell.main_window import MainWindow

from .conftest import sandbox_draft, submit

DISCONTINUED_ITEM = 987654


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


def test_an_order_refused_aside_shows_in_the_message_bar_and_opens_from_there(
    qtbot: QtBot, online_window: MainWindow, sandbox: SandboxServer
) -> None:
    window = online_window
    view = window.order_entry
    items = view.form.item_search.model
    qtbot.waitUntil(lambda: len(items.records) > 0, timeout=15_000)  # the catalog is known
    sandbox.stop()
    refused = sandbox_draft(DISCONTINUED_ITEM)  # not in the catalog: only Impilo can refuse it
    window.load_draft(refused)
    assert view.form.submit_button.isEnabled(), view.problems
    with qtbot.waitSignal(view.submitted, timeout=15_000):
        view.submit()
    next_one = sandbox_draft()
    window.load_draft(next_one)  # the coordinator moved on to the next order
    sandbox.start()
    with qtbot.waitSignal(view.refused_aside, timeout=15_000):
        window.services.outbox.send_now()
    assert view.draft.draft_id == next_one.draft_id
    bar = window.notice_bar
    assert bar.isVisible()
    assert bar.text.text().startswith("Impilo refused the order for Jacqueline Seed:")
    assert str(DISCONTINUED_ITEM) in bar.text.text()
    (button,) = bar.buttons()
    assert button.text() == "Open"
    window.show_page("history")
    button.click()
    assert window.current_page_key() == "new_order"
    qtbot.waitUntil(lambda: view.draft.draft_id == refused.draft_id, timeout=15_000)
    assert str(DISCONTINUED_ITEM) in view.form.banner.text.text()
    assert not bar.isVisible()  # said once, on the form now
