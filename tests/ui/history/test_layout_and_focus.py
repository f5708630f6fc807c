"""The history page's layout at common window widths, its remembered splitter, the empty
detail state and where the keyboard focus goes."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from impilo_desktop.ui.history.view import OrderHistoryView
from impilo_desktop.ui.plumbing.services import AppServices


def _make(qtbot: QtBot, services: AppServices, width: int) -> OrderHistoryView:
    view = OrderHistoryView(services, page_size=20, poll_interval_seconds=3600)
    qtbot.addWidget(view)
    view.resize(width, 700)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=20_000)
    return view


def test_table_fits_without_sideways_scrolling(qtbot: QtBot, services: AppServices) -> None:
    # The page's width in a 1280 px window (sidebar and margins taken off).
    view = _make(qtbot, services, 1280 - 260)
    qtbot.waitUntil(lambda: view.table.horizontalScrollBar().maximum() == 0)
    table_width, detail_width = view.splitter.sizes()
    assert table_width > detail_width  # the list gets the room, not the empty panel
    assert detail_width >= view.detail.minimumWidth()


def test_empty_detail_is_a_calm_hint(qtbot: QtBot, services: AppServices) -> None:
    view = _make(qtbot, services, 1200)
    assert view.detail.is_empty
    assert not view.detail.reorder_button.isVisibleTo(view)  # no row of disabled buttons
    assert view.detail.empty.title.isVisibleTo(view)
    view.table.selectRow(0)
    qtbot.waitUntil(lambda: not view.detail.is_empty, timeout=20_000)  # read from the cache
    assert view.detail.reorder_button.isVisibleTo(view)
    view.detail.set_order(None)
    assert view.detail.is_empty
    assert view.detail.empty.title.text() == "No order selected"  # not a loading message


def test_splitter_position_is_remembered(qtbot: QtBot, services: AppServices) -> None:
    first = _make(qtbot, services, 1200)
    total = sum(first.splitter.sizes())
    first.splitter.moveSplitter(total - 500, 1)  # what dragging the handle does
    wanted = first.splitter.sizes()
    assert wanted[1] >= 480
    first.close()
    second = _make(qtbot, services, 1200)
    assert second.splitter.sizes() == wanted


def test_page_focus_lands_on_the_list_and_enter_opens_the_detail(
    qtbot: QtBot, services: AppServices
) -> None:
    view = _make(qtbot, services, 1200)
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    view.setFocus()  # what the shell does on Ctrl+3 (focus_first uses the focus proxy)
    view.page_activated()
    assert QApplication.focusWidget() is view.table
    assert view.table.currentIndex().isValid()
    first_id = view.model.rows()[0].order_id
    qtbot.keyClick(view.table, Qt.Key.Key_Down)
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    second_id = view.model.rows()[1].order_id
    assert second_id != first_id
    qtbot.waitUntil(
        lambda: view.detail.order is not None and view.detail.order.id == second_id,
        timeout=20_000,
    )
    assert QApplication.focusWidget() is view.detail.browser
    qtbot.keyClick(view.detail.browser, Qt.Key.Key_Escape)  # back to the list
    assert QApplication.focusWidget() is view.table


def test_current_row_is_highlighted_again_after_a_reload(
    qtbot: QtBot, services: AppServices
) -> None:
    view = _make(qtbot, services, 1200)
    view.page_activated()
    selection = view.table.selectionModel()
    assert selection.isRowSelected(0)
    selection.clearSelection()  # what a model update can leave behind
    assert view.table.currentIndex().isValid()
    view.page_activated()
    assert selection.isRowSelected(view.table.currentIndex().row())


def test_enter_in_the_search_goes_to_the_first_match(qtbot: QtBot, services: AppServices) -> None:
    view = _make(qtbot, services, 1200)
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    view.page_activated()  # the first (newest) order is current
    wanted = view.model.rows()[5]
    view.focus_filter()
    qtbot.keyClicks(view.filters.search, str(wanted.order_id))
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    qtbot.keyClick(view.filters.search, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is view.table
    qtbot.waitUntil(
        lambda: view.detail.order is not None and view.detail.order.id == wanted.order_id,
        timeout=20_000,
    )
    view.focus_filter()
    qtbot.keyClick(view.filters.search, Qt.Key.Key_Down)  # Down works as well
    assert QApplication.focusWidget() is view.table


def test_tab_walks_through_the_filters_to_the_list(qtbot: QtBot, services: AppServices) -> None:
    """Tab from the search reaches the order list (the "Any" date fields trapped it)."""
    view = _make(qtbot, services, 1200)
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    view.filters.search.setFocus()
    seen: list[str] = []
    for _ in range(15):
        widget = QApplication.focusWidget()
        assert widget is not None
        seen.append(widget.objectName())
        if widget is view.table:
            break
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
    assert view.table.objectName() in seen, seen
    assert seen.count("historyDateFrom") == 1
    qtbot.keyClick(view.table, Qt.Key.Key_Tab)  # on to the detail panel
    assert QApplication.focusWidget() is not view.table
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Backtab)  # and back out again
    assert QApplication.focusWidget() is not view.table
