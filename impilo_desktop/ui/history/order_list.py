"""The order list's table and its split with the detail panel.

The columns start at their preferred widths and `ColumnFitter` narrows the wide text columns
to the width the page has. The split between list and detail is remembered in window.ini, so
the panel keeps the width the coordinator dragged it to.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QModelIndex, QPersistentModelIndex, QSettings, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from .column_fit import ColumnFitter
from .model import OrderHistoryModel
from .names import named
from .order_row import Column

COLUMN_WIDTHS: dict[int, int] = {
    Column.ORDER_ID: 64,
    Column.LATEST_EVENT: 118,
    Column.RECIPIENT: 200,
    Column.STATUS: 142,
    Column.CONTENTS: 200,
    Column.TRACKING: 150,
    Column.EXTERNAL_IDS: 120,
}
SCANNED_COLUMNS = (Column.ORDER_ID, Column.STATUS, Column.RECIPIENT, Column.TRACKING)
"""What a coordinator scans the list for: these get the width their content needs."""
# How narrow the columns may get (they elide in the middle, the whole text in the tooltip).
# The others give way first, down to a sliver the coordinator can widen or hide; the scanned
# columns only narrow when even that does not fit.
COLUMN_MINIMUMS: dict[int, int] = {
    Column.ORDER_ID: 56,
    Column.LATEST_EVENT: 40,
    Column.RECIPIENT: 150,
    Column.STATUS: 112,
    Column.CONTENTS: 40,
    Column.TRACKING: 100,
    Column.EXTERNAL_IDS: 40,
}
DETAIL_WIDTH = 300
"""The detail panel's first width: enough for its lines without starving the table."""
SPLITTER_KEY = "history/splitter"


class LastUpdateCell(QStyledItemDelegate):
    """ "Last update" shortened to what fits: "2026-11-29 14:05", "11-29 14:05", then the day
    alone, "11-29" (the tooltip keeps the whole). A narrow column still says when."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        text = option.text  # "2026-11-29 14:05"
        if len(text) < 16 or text[4] != "-":
            return
        style = option.widget.style() if option.widget is not None else None
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1 if style else 3
        room = option.rect.width() - 2 * margin
        for shorter in (text, text[5:], text[5:10]):
            if option.fontMetrics.horizontalAdvance(shorter) <= room:
                option.text = shorter
                return
        option.text = text[5:10]  # elided from there


def make_order_table(model: OrderHistoryModel) -> QTableView:
    """The order list: whole rows selected, one line each, sorted by the model on request."""
    table = QTableView()
    named(table, "orderHistoryTable", "Orders")
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.setShowGrid(False)
    # The middle goes: a tracking number keeps its carrier and last digits, a recipient
    # their name and number.
    table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    # Tab leaves the list (arrows move within it); cell-by-cell Tab kept the focus in.
    table.setTabKeyNavigation(False)
    table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    rows = table.verticalHeader()
    rows.setVisible(False)
    # Fixed heights: Qt never measures 100,000 rows.
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    rows.setDefaultSectionSize(table.fontMetrics().height() + 12)
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    for column, width in COLUMN_WIDTHS.items():
        table.setColumnWidth(column, width)
    header.setStretchLastSection(True)
    header.setSectionsMovable(True)  # the coordinator's column order (remembered)
    table.setItemDelegateForColumn(Column.LATEST_EVENT, LastUpdateCell(table))
    # No sort until the coordinator asks: the server's order is the newest first.
    header.setSortIndicator(-1, Qt.SortOrder.DescendingOrder)
    table.setSortingEnabled(True)
    return table


def fit_columns(table: QTableView) -> ColumnFitter:
    """Keep the table's columns within its width until the coordinator drags one."""
    return ColumnFitter(table, COLUMN_WIDTHS, COLUMN_MINIMUMS, SCANNED_COLUMNS)


class DetailSplitter(QSplitter):
    """The list on the left, the detail panel on the right; the split outlives the app."""

    def __init__(self, order_list: QWidget, detail: QWidget, settings_file: Path) -> None:
        super().__init__(Qt.Orientation.Horizontal)
        self.setObjectName("historySplitter")
        self.addWidget(order_list)
        self.addWidget(detail)
        # Extra width goes to the table; the detail panel keeps a comfortable reading width.
        self.setStretchFactor(0, 1)
        self.setStretchFactor(1, 0)
        self.setSizes([1000, DETAIL_WIDTH])
        self.setChildrenCollapsible(True)
        self.setCollapsible(0, False)
        self._settings = QSettings(str(settings_file), QSettings.Format.IniFormat)
        state = self._settings.value(SPLITTER_KEY)
        if isinstance(state, QByteArray):
            self.restoreState(state)
        self.splitterMoved.connect(self._remember)

    def open_detail(self) -> None:
        """Bring a collapsed detail panel back, with two fifths of the width."""
        sizes = self.sizes()
        if len(sizes) == 2 and sizes[1] == 0:
            self.setSizes([sizes[0] * 3 // 5, sizes[0] * 2 // 5])

    def _remember(self, *_args: object) -> None:
        self._settings.setValue(SPLITTER_KEY, self.saveState())


__all__ = [
    "COLUMN_MINIMUMS",
    "COLUMN_WIDTHS",
    "DETAIL_WIDTH",
    "SCANNED_COLUMNS",
    "SPLITTER_KEY",
    "DetailSplitter",
    "LastUpdateCell",
    "fit_columns",
    "make_order_table",
]
