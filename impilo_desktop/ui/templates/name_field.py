"""The template manager's name field, under the list while renaming (F2): the name, Enter
to rename, Esc to leave it; a refusal is said under it with what was typed kept."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from impilo_desktop.domain.templates import MAX_TEMPLATE_NAME_LENGTH


class NameField(QWidget):
    """Label, field and message. `submitted(text)` on Enter; `cancelled()` on Esc (which
    leaves the name, not the dialog)."""

    submitted = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel("&New name (Enter to rename, Esc to cancel):", self)
        layout.addWidget(self.label)
        self.edit = QLineEdit(self)
        self.edit.setObjectName("templateRenameEdit")
        self.edit.setAccessibleName("New name for the template")
        self.edit.setMaxLength(MAX_TEMPLATE_NAME_LENGTH)
        self.label.setBuddy(self.edit)
        self.edit.installEventFilter(self)
        layout.addWidget(self.edit)
        self.message = QLabel(self)
        self.message.setObjectName("templateRenameMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)
        self.hide()

    def start(self, name: str) -> None:
        """Show the field with `name` selected, the cursor in it."""
        self.edit.setText(name)
        self.edit.setEnabled(True)
        self.message.hide()
        self.show()
        self.edit.selectAll()
        self.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def refuse(self, text: str) -> None:
        """Say why the name was not taken, under the field; what was typed stays."""
        self.message.setText(text)
        self.message.show()
        self.edit.setEnabled(True)
        self.edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit and isinstance(event, QKeyEvent):
            if event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape:
                self.cancelled.emit()
                return True
            if event.type() == QEvent.Type.KeyPress and event.key() in (
                Qt.Key.Key_Return,
                Qt.Key.Key_Enter,
            ):
                # Taken here: a dialog would give Enter to its default button.
                self.submitted.emit(self.edit.text())
                return True
        return super().eventFilter(watched, event)
