"""Editing a line's count in place, as in a spreadsheet.

A plain line edit that accepts digits only: no spin box, no range, so whatever the
coordinator types stays on screen as typed (0, 1500) and the domain's validation says what is
wrong with it on that line. A count is never silently turned into 1 or 999. Enter commits,
Escape puts back the count the line had (the delegate's standard behaviour), and an editor
left empty keeps the previous count: nothing was typed, nothing changes.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QLineEdit, QStyledItemDelegate, QStyleOptionViewItem, QWidget

AnyIndex = QModelIndex | QPersistentModelIndex

# Nine digits stay inside the API's int32 counts; validation judges anything above 999.
COUNT_DIGITS = 9


def is_count_key(text: str) -> bool:
    """A keystroke that starts editing a count: one digit."""
    return len(text) == 1 and text.isdigit() and text.isascii()


class CountDelegate(QStyledItemDelegate):
    """Edits a count with a digits-only line edit; the model and validation judge the value."""

    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: AnyIndex
    ) -> QWidget:
        editor = QLineEdit(parent)
        editor.setObjectName("countEditor")
        editor.setAccessibleName("Count")
        editor.setValidator(QRegularExpressionValidator(rf"\d{{0,{COUNT_DIGITS}}}", editor))
        editor.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        editor.setFrame(False)
        return editor

    def setEditorData(self, editor: QWidget, index: AnyIndex) -> None:
        if isinstance(editor, QLineEdit):
            value = index.data(Qt.ItemDataRole.EditRole)
            editor.setText(str(value) if isinstance(value, int) else "")
            # Selected, so the first digit typed replaces the count instead of adding to it.
            editor.selectAll()

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: AnyIndex) -> None:
        if isinstance(editor, QLineEdit) and editor.text().strip():
            model.setData(index, int(editor.text()), Qt.ItemDataRole.EditRole)
