"""The order history on a 1366 px laptop: the detail panel's buttons whole, cells elided in the
middle with the whole text in a tooltip, columns to hide, show and move (kept for the next
start), the scanned columns given their content's width, and each newly chosen order's
details read from the top."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QPushButton, QStyleOptionViewItem, QTableView
from pytestqt.qtbot import QtBot

from impilo_desktop.ui.history.column_fit import ColumnFitter, share, shrink
from impilo_desktop.ui.history.order_list import SCANNED_COLUMNS, LastUpdateCell
from impilo_desktop.ui.history.order_row import Column
from impilo_desktop.ui.history.view import OrderHistoryView
from impilo_desktop.ui.plumbing.services import AppServices

# The page's width in a maximised 1366 px window with the narrow sidebar and its margins.
PAGE_AT_1366 = 1366 - 57 - 48


def _make(qtbot: QtBot, services: AppServices, width: int = PAGE_AT_1366) -> OrderHistoryView:
    view = OrderHistoryView(services, page_size=20, poll_interval_seconds=3600)
    qtbot.addWidget(view)
    view.resize(width, 640)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=20_000)
    return view


def test_detail_buttons_are_never_cut_off(qtbot: QtBot, services: AppServices) -> None:
    view = _make(qtbot, services)
    view.table.selectRow(0)
    qtbot.waitUntil(lambda: view.detail.order is not None)
    detail = view.detail
    buttons = (detail.reorder_button, detail.pdf_button, detail.refresh_button, detail.void_button)

    def whole(button: QPushButton) -> bool:
        shown = button.visibleRegion().boundingRect() == QRect(button.rect())
        return shown and button.width() >= button.minimumSizeHint().width()

    for width in (detail.minimumWidth(), 420, 600):
        view.splitter.moveSplitter(sum(view.splitter.sizes()) - width, 1)
        qtbot.waitUntil(lambda: all(whole(b) for b in buttons))  # once laid out again
    assert detail.buttons.one_row  # wide enough again: one row


def test_cells_elide_in_the_middle_with_the_whole_text_in_the_tooltip(
    qtbot: QtBot, services: AppServices
) -> None:
    view = _make(qtbot, services)
    assert view.table.textElideMode() == Qt.TextElideMode.ElideMiddle
    model = view.model
    longest = max(range(model.rowCount()), key=lambda r: len(model.rows()[r].texts[2]))
    index = model.index(longest, Column.RECIPIENT)
    text = model.data(index, Qt.ItemDataRole.DisplayRole)
    assert len(text) > 20
    assert model.data(index, Qt.ItemDataRole.ToolTipRole) == text
    tip = model.headerData(
        Column.LATEST_EVENT, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole
    )
    assert tip == "Last update"  # a narrow column's header shows only its start


def test_scanned_columns_get_their_content_width(qtbot: QtBot, services: AppServices) -> None:
    view = _make(qtbot, services)
    table = view.table
    header = table.horizontalHeader()

    def fitted() -> bool:
        # Pages keep arriving (a first page shorter than the view is followed by the next),
        # each refitting what is in view: wait for the fit of what is there now.
        return all(
            header.sectionSize(c) >= max(table.sizeHintForColumn(c), header.sectionSizeHint(c))
            for c in SCANNED_COLUMNS
        )

    qtbot.waitUntil(fitted)
    assert table.horizontalScrollBar().maximum() == 0
    viewport = table.viewport().width()
    for column in SCANNED_COLUMNS:
        assert header.sectionViewportPosition(column) + header.sectionSize(column) <= viewport


def test_a_hidden_list_is_fitted_when_it_shows_not_while_hidden(
    qtbot: QtBot, services: AppServices
) -> None:
    """Hidden, Qt measures every row of a column (not those in view), so the list on a page
    nobody looks at waits to be fitted until it shows: orders placed from New order each
    added a row and were measured whole, the UI's longest stalls while the outbox sent."""
    view = _make(qtbot, services)
    table = view.table
    header = table.horizontalHeader()
    qtbot.waitUntil(lambda: header.sectionSize(Column.STATUS) >= table.sizeHintForColumn(3))
    view.hide()
    narrow = header.minimumSectionSize() + 4
    header.resizeSection(Column.STATUS, narrow)  # what a fit would widen again
    view.column_fitter.fit()
    assert header.sectionSize(Column.STATUS) == narrow  # not measured while hidden
    view.show()
    qtbot.waitUntil(lambda: header.sectionSize(Column.STATUS) >= table.sizeHintForColumn(3))


def test_others_give_way_before_the_scanned_columns() -> None:
    table = QTableView()
    from PySide6.QtGui import QStandardItemModel

    table.setModel(QStandardItemModel(0, 4))
    fitter = ColumnFitter(table, {0: 100, 1: 100, 2: 100, 3: 100}, {1: 40, 3: 40}, (0, 2))
    # Room for all: everyone gets what they want.
    assert fitter.widths_for(500, {0: 120, 2: 90}) == {0: 120, 1: 100, 2: 90, 3: 100}
    # Tight: the others shrink, the scanned columns keep their content's width.
    assert fitter.widths_for(310, {0: 120, 2: 90}) == {0: 120, 1: 50, 2: 90, 3: 50}
    # Tighter than the others' minimum: the scanned columns narrow too.
    widths = fitter.widths_for(200, {0: 120, 2: 80})
    assert widths[1] == widths[3] == 40
    assert widths[0] + widths[2] <= 120
    # A hidden column takes no room.
    table.setColumnHidden(1, True)
    assert 1 not in fitter.widths_for(310, {0: 120, 2: 90})
    assert shrink({0: 100, 1: 100}, {0: 80}, 120) == {0: 80, 1: 40}
    # The others share in equal parts, none wider than it wants.
    assert share({1: 118, 4: 200, 6: 120}, {}, 213) == {1: 71, 4: 71, 6: 71}
    assert share({1: 60, 4: 200, 6: 120}, {}, 260) == {1: 60, 4: 100, 6: 100}


def test_last_update_shortens_to_what_fits(qtbot: QtBot, services: AppServices) -> None:
    view = _make(qtbot, services)
    table = view.table
    delegate = table.itemDelegateForColumn(Column.LATEST_EVENT)
    assert isinstance(delegate, LastUpdateCell)
    index = view.model.index(0, Column.LATEST_EVENT)
    full = index.data()
    assert len(full) == 16  # "2026-11-29 14:05"
    shown = []
    for width in (400, table.fontMetrics().horizontalAdvance(full[5:]) + 8, 50):
        option = QStyleOptionViewItem()
        option.initFrom(table)
        option.widget = table
        option.rect = QRect(0, 0, width, 24)
        delegate.initStyleOption(option, index)
        shown.append(option.text)
    assert shown == [full, full[5:], full[5:10]]
    assert index.data(Qt.ItemDataRole.ToolTipRole) == full


def test_columns_can_be_hidden_and_moved_and_stay_so(qtbot: QtBot, services: AppServices) -> None:
    first = _make(qtbot, services)
    chooser = first.columns
    # By keyboard: the list's own context menu (menu key, Shift+F10) carries the menu.
    assert chooser.menu.menuAction() in first.table.actions()
    assert not chooser.actions[Column.ORDER_ID].isEnabled()  # the order number stays
    chooser.actions[Column.LATEST_EVENT].trigger()  # untick "Last update"
    assert first.table.isColumnHidden(Column.LATEST_EVENT)
    header = first.table.horizontalHeader()
    header.moveSection(header.visualIndex(Column.TRACKING), 1)  # what dragging a header does
    shown = chooser.shown_columns()
    assert shown[:2] == [Column.ORDER_ID, Column.TRACKING]
    assert Column.LATEST_EVENT not in shown
    first.close()

    second = _make(qtbot, services)
    assert second.columns.shown_columns() == shown
    second.columns.menu.aboutToShow.emit()
    assert not second.columns.actions[Column.LATEST_EVENT].isChecked()
    second.columns.reset_action.trigger()
    assert second.columns.shown_columns() == list(Column)


def test_detail_starts_at_the_top_for_each_order(qtbot: QtBot, services: AppServices) -> None:
    view = _make(qtbot, services, 1200)
    bar = view.detail.browser.verticalScrollBar()
    view.table.selectRow(0)
    qtbot.waitUntil(lambda: view.detail.order is not None and bar.maximum() > 0)
    bar.setValue(bar.maximum())
    view.detail.set_order(view.detail.order)  # the same order refreshed: the place is kept
    assert bar.value() > 0
    first = view.detail.order
    assert first is not None
    view.table.selectRow(1)
    qtbot.waitUntil(lambda: view.detail.order is not None and view.detail.order.id != first.id)
    assert bar.value() == 0
