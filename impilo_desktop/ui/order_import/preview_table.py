"""The preview's two lists: the orders the file becomes (one row per order) and every problem
on its spreadsheet row and column; choosing a problem selects its order."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QListWidget,
    QListWidgetItem,
    QTableView,
    QWidget,
)

from impilo_desktop.sync.order_import import ImportPreview, PreviewOrder
from impilo_desktop.sync.order_import.contract import OrderStanding
from impilo_desktop.ui.order_import.wording import problem_text, rows_text, standing
from impilo_desktop.ui.plumbing.theme import status_colors

COLUMNS = ("Rows", "Order ref", "Recipient", "Lines", "Units", "Standing")
STANDING_COLUMN = COLUMNS.index("Standing")
ORDER_ROLE = Qt.ItemDataRole.UserRole + 1  # a problem's order (its row in the orders table)

AnyIndex = QModelIndex | QPersistentModelIndex


class PreviewOrdersModel(QAbstractTableModel):
    """The preview's orders, in file order."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._orders: list[PreviewOrder] = []

    def set_preview(self, preview: ImportPreview | None) -> None:
        self.beginResetModel()
        self._orders = list(preview.orders) if preview is not None else []
        self.endResetModel()

    def order(self, row: int) -> PreviewOrder:
        return self._orders[row]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._orders)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        order = self._orders[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(order, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == STANDING_COLUMN and order.problems:
                return "\n".join(problem_text(p) for p in order.problems)
            return self._text(order, column)
        if role == Qt.ItemDataRole.ForegroundRole and column == STANDING_COLUMN:
            colors = status_colors()
            if order.standing == OrderStanding.PROBLEM:
                return QBrush(QColor(colors.bad))
            if order.standing == OrderStanding.NEW:
                return QBrush(QColor(colors.good))
        if role == Qt.ItemDataRole.TextAlignmentRole and column == COLUMNS.index("Units"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _text(order: PreviewOrder, column: int) -> str:
        values = (
            rows_text(order.rows),
            order.ref or "(none)",
            order.recipient,
            order.lines,
            f"{order.units:,}",
            standing(order),
        )
        return values[column]


class PreviewOrdersTable(QTableView):
    """The orders table: whole rows selected, long recipients and lines elided (full text in
    the tooltip)."""

    def __init__(self, model: PreviewOrdersModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importOrdersTable")
        self.setAccessibleName("Orders in the file")
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTabKeyNavigation(False)  # Tab leaves the table for the problems and buttons
        self.setWordWrap(False)
        self.setAlternatingRowColors(True)
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # The lines take what is left, so the standing is always in view at 1366 px.
        header.setSectionResizeMode(COLUMNS.index("Lines"), QHeaderView.ResizeMode.Stretch)
        # Where an order already is ("sent as order 100607 (#5)") is read whole.
        header.setSectionResizeMode(STANDING_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        header.setMinimumSectionSize(40)
        for column, width in enumerate((60, 100, 190, 0, 50, 0)):
            if width:
                self.setColumnWidth(column, width)


class ProblemList(QListWidget):
    """Every problem, "Row 7, sku: …"; each item knows its order's row in the table (None
    for the file's own problems)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importProblemList")
        self.setAccessibleName("Problems in the file")
        self.setWordWrap(True)

    def set_preview(self, preview: ImportPreview | None) -> None:
        self.clear()
        if preview is None:
            return
        for problem in [*preview.file_problems, *preview.file_notes]:
            self.addItem(QListWidgetItem(problem_text(problem)))
        for row, order in enumerate(preview.orders):
            if order.standing != OrderStanding.PROBLEM:
                continue  # an order already placed has nothing left to fix
            for problem in order.problems:
                item = QListWidgetItem(problem_text(problem))
                item.setData(ORDER_ROLE, row)
                self.addItem(item)

    def texts(self) -> list[str]:
        return [self.item(n).text() for n in range(self.count())]
