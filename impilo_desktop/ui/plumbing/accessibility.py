"""What assistive technology (screen readers, switch access, dictation) needs beyond the
accessible names set where each widget is made.

Choosing a row of a list or table: a screen reader or switch-access tool chooses a row
through AT-SPI's Selection or Table interface (on Windows, UI Automation's SelectionItem).
Qt then selects the row but leaves the current index where it was, and our views act on the
current index (the sidebar's page, the picker's highlighted result). Keyboard and mouse move
the current index before they select, so a selected row that is not the current one can only
come from such a tool.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QLineEdit


def follow_accessible_selection(
    view: QAbstractItemView, on_chosen: Callable[[QModelIndex], object] | None = None
) -> None:
    """Make a row selected by assistive technology current, and pass it to `on_chosen` (for
    views where a click chooses; also when the tool selects the row already current). Other
    selected rows stay selected. Call after the view has its model."""
    selection = view.selectionModel()
    # The current index as last announced: the keyboard moves it, then selects, then
    # announces, so while it selects the two differ. A mouse press announces before it
    # selects; its button is still down (and the click that follows does the choosing).
    announced = [QPersistentModelIndex(view.currentIndex())]

    def where(index: QModelIndex | QPersistentModelIndex) -> tuple[bool, int, int]:
        return index.isValid(), index.row(), index.column()

    def follow(selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = {index.row() for index in selected.indexes()}
        current = view.currentIndex()
        if len(rows) != 1 or where(current) != where(announced[0]):
            return  # nothing (or several rows) chosen, or the keyboard is moving
        if QGuiApplication.mouseButtons() != Qt.MouseButton.NoButton:
            return
        index = view.model().index(rows.pop(), 0, view.rootIndex())
        if index.row() != current.row():
            selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)
        if on_chosen is not None:
            on_chosen(index)

    def moved(now: QModelIndex, _before: QModelIndex) -> None:
        announced[0] = QPersistentModelIndex(now)

    selection.currentChanged.connect(moved)
    selection.selectionChanged.connect(follow)


def name_clear_button(field: QLineEdit, name: str = "Clear") -> None:
    """Qt's clear button (`setClearButtonEnabled`) is a button with no text: a screen reader
    would say just "button". Call after enabling it."""
    clear = field.findChild(QAction, "_q_qlineeditclearaction")
    if clear is not None:
        clear.setText(name)
