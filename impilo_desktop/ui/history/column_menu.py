"""Which columns the order list shows, and in what order: the coordinator's choice, kept.

A right click on the column headers (or Columns in the list's own menu, which the menu key
or Shift+F10 opens) lists the columns to tick on or off; dragging a header sideways moves
its column. Both are saved in window.ini and come back on the next start. The order number
always stays: without it a row says nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, QPoint, QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QTableView

from .order_row import HEADERS, Column

ORDER_KEY = "history/column_order"
HIDDEN_KEY = "history/hidden_columns"


def _numbers(value: object) -> list[int]:
    """Column numbers saved as "0 2 1" (anything else, or a number out of range: none)."""
    if not isinstance(value, str) or not value:
        return []
    try:
        numbers = [int(part) for part in value.split()]
    except ValueError:
        return []
    return numbers if all(0 <= n < len(Column) for n in numbers) else []


class ColumnChooser(QObject):
    """The Columns menu of the order list, and the column order and visibility it keeps."""

    def __init__(self, table: QTableView, settings_file: Path, changed: Callable[[], None]) -> None:
        super().__init__(table)
        self._table = table
        self._changed = changed
        self._settings = QSettings(str(settings_file), QSettings.Format.IniFormat)
        self.menu = QMenu("Co&lumns", table)
        self.menu.setObjectName("historyColumnsMenu")
        self.menu.setAccessibleName("Columns")  # the open menu's name when read aloud
        self.actions: dict[Column, QAction] = {}
        for column in Column:
            action = self.menu.addAction(HEADERS[column])
            action.setCheckable(True)
            action.setChecked(True)
            action.setEnabled(column != Column.ORDER_ID)
            action.toggled.connect(partial(self.set_shown, column))
            self.actions[column] = action
        self.menu.addSeparator()
        self.reset_action = self.menu.addAction("All columns, usual order")
        self.reset_action.triggered.connect(self.reset)
        self.menu.aboutToShow.connect(self._tick_shown)

        header = table.horizontalHeader()
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._popup_at)
        # By keyboard: the list's own context menu (menu key, Shift+F10) carries this menu.
        table.addAction(self.menu.menuAction())
        self._restore()
        header.sectionMoved.connect(self._on_moved)

    def shown_columns(self) -> list[Column]:
        """The shown columns, left to right."""
        header = self._table.horizontalHeader()
        logical = (Column(header.logicalIndex(v)) for v in range(header.count()))
        return [c for c in logical if not header.isSectionHidden(c)]

    def set_shown(self, column: Column, shown: bool) -> None:
        if column == Column.ORDER_ID and not shown:
            return
        if self._table.isColumnHidden(column) == (not shown):
            return
        self._table.setColumnHidden(column, not shown)
        self._remember()

    def reset(self) -> None:
        header = self._table.horizontalHeader()
        for column in Column:
            header.moveSection(header.visualIndex(column), column)
            header.setSectionHidden(column, False)
        self._remember()

    def _restore(self) -> None:
        header = self._table.horizontalHeader()
        for visual, column in enumerate(_numbers(self._settings.value(ORDER_KEY))):
            header.moveSection(header.visualIndex(column), visual)
        for column in _numbers(self._settings.value(HIDDEN_KEY)):
            if column != Column.ORDER_ID:
                header.setSectionHidden(column, True)

    def _remember(self) -> None:
        header = self._table.horizontalHeader()
        order = [header.logicalIndex(v) for v in range(header.count())]
        hidden = [c for c in Column if header.isSectionHidden(c)]
        self._settings.setValue(ORDER_KEY, " ".join(str(c) for c in order))
        self._settings.setValue(HIDDEN_KEY, " ".join(str(int(c)) for c in hidden))
        self._changed()

    def _on_moved(self, *_args: object) -> None:
        self._remember()

    def _tick_shown(self) -> None:
        for column, action in self.actions.items():
            action.blockSignals(True)
            action.setChecked(not self._table.isColumnHidden(column))
            action.blockSignals(False)

    def _popup_at(self, position: QPoint) -> None:
        header = self._table.horizontalHeader()
        self.menu.popup(header.viewport().mapToGlobal(position))


__all__ = ["HIDDEN_KEY", "ORDER_KEY", "ColumnChooser"]
