"""The table view for a draft's lines: fixed row heights, counts typed in place (a digit on a
selected line starts editing its count with that digit, as in a spreadsheet), Delete to
remove the selected lines, and a quiet hint when there is nothing yet."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QHeaderView,
    QTableView,
    QWidget,
)

from impilo_desktop.ui.order_entry.count_editor import CountDelegate, is_count_key
from impilo_desktop.ui.order_entry.lines_model import LinesModel


class LinesTable(QTableView):
    """A QTableView over a `LinesModel`."""

    remove_requested = Signal()

    def __init__(
        self,
        model: LinesModel,
        *,
        name: str,
        accessible_name: str,
        empty_text: str,
        visible_rows: int = 4,
        max_rows: int = 10,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setAccessibleName(accessible_name)
        self._empty_text = empty_text
        self.setModel(model)
        self.lines_model = model
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.setTabKeyNavigation(False)  # Tab moves on through the form, not cell to cell
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)
        vheader = self.verticalHeader()
        vheader.setVisible(False)
        vheader.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        row_height = self.fontMetrics().height() + 12
        vheader.setDefaultSectionSize(row_height)
        hheader = self.horizontalHeader()
        hheader.setHighlightSections(False)
        hheader.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hheader.setStretchLastSection(False)
        count_column = model.count_column
        for column in range(model.columnCount()):
            if column == count_column:
                hheader.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
                hheader.resizeSection(column, 90)
        self.count_delegate = CountDelegate(self)
        if count_column >= 0:
            self.setItemDelegateForColumn(count_column, self.count_delegate)
        self._row_height = row_height
        self._rows_shown = (visible_rows, max(visible_rows, max_rows))
        model.rowsInserted.connect(self._scroll_to_inserted)
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset):
            signal.connect(self._fit_height)
        self._fit_height()

    def _fit_height(self, *_args: object) -> None:
        # Grow with the lines between a small minimum and a maximum, then scroll inside.
        low, high = self._rows_shown
        rows = max(low, min(high, self.lines_model.rowCount()))
        header = self.horizontalHeader().sizeHint().height()
        self.setFixedHeight(header + self._row_height * rows + 2 * self.frameWidth())

    def stretch_column(self, column: int) -> None:
        self.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)

    def selected_rows(self) -> list[int]:
        return sorted({index.row() for index in self.selectionModel().selectedRows()})

    def remove_selected(self) -> int:
        """Remove the selected lines (or the current one); returns how many went."""
        rows = self.selected_rows()
        if not rows and self.currentIndex().isValid():
            rows = [self.currentIndex().row()]
        removed = self.lines_model.remove_rows(rows)
        if self.lines_model.rowCount():
            row = min(rows[0] if rows else 0, self.lines_model.rowCount() - 1)
            self.selectRow(row)
        return removed

    def keyPressEvent(self, event: QKeyEvent) -> None:
        editing = self.state() == QAbstractItemView.State.EditingState
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and not editing:
            self.remove_selected()
            self.remove_requested.emit()
            return
        if not editing and self._type_count(event):
            return
        super().keyPressEvent(event)

    def _type_count(self, event: QKeyEvent) -> bool:
        """A digit on a line, whichever cell is current: edit that line's count, starting
        with the digit (the editor opens with the old count selected, so it is replaced)."""
        count_column = self.lines_model.count_column
        row = self.currentIndex().row()
        if count_column < 0 or row < 0 or not is_count_key(event.text()):
            return False
        if event.modifiers() & ~(
            Qt.KeyboardModifier.KeypadModifier | Qt.KeyboardModifier.ShiftModifier
        ):
            return False  # Ctrl+1 and friends belong to the window
        cell = self.lines_model.index(row, count_column)
        self.setCurrentIndex(cell)
        return self.edit(cell, QAbstractItemView.EditTrigger.AnyKeyPressed, event)

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        # Qt gives the focus back to the table only when the editor "has focus", which needs
        # an active window; ask the window instead, so the next digit always edits again.
        had_focus = editor is not None and self.window().focusWidget() is editor
        super().closeEditor(editor, hint)
        if had_focus and not self.hasFocus():
            self.setFocus(Qt.FocusReason.OtherFocusReason)

    def _scroll_to_inserted(self, _parent: QModelIndex, first: int, _last: int) -> None:
        self.scrollTo(self.lines_model.index(first, 0))

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.lines_model.rowCount() == 0 and self._empty_text:
            painter = QPainter(self.viewport())
            painter.setPen(
                self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
            )
            painter.drawText(
                self.viewport().rect().adjusted(12, 0, -12, 0),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self._empty_text,
            )
            painter.end()
