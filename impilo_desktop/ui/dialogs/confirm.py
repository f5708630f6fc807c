"""One way to ask before something that cannot be undone (void an order, discard an order,
remove the API key): a window-modal warning whose default button is Cancel, so Enter never
destroys anything."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget


@dataclass(frozen=True)
class Question:
    """The words of a confirmation and the object names tests and screen readers use."""

    name: str  # the box's objectName
    title: str
    text: str
    informative: str
    action: str  # the destructive button's text, e.g. "Void order"
    action_name: str  # its objectName


def confirm_destructive(
    parent: QWidget,
    question: Question,
    on_confirmed: Callable[[], None],
    on_cancelled: Callable[[], None] | None = None,
) -> QMessageBox:
    """Open the question (`open()`, so the event loop keeps running); `on_confirmed` runs
    only when the destructive button itself was chosen, `on_cancelled` (if given) on any
    other way out: Cancel, Escape, closing the box."""
    box = QMessageBox(parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setObjectName(question.name)
    box.setAccessibleName(question.title)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(question.title)
    box.setText(question.text)
    box.setInformativeText(question.informative)
    action = box.addButton(question.action, QMessageBox.ButtonRole.DestructiveRole)
    action.setObjectName(question.action_name)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)  # Enter must not destroy

    def decided(button: object) -> None:
        if button is action:
            on_confirmed()

    def closed(_result: int) -> None:
        if box.clickedButton() is not action and on_cancelled is not None:
            on_cancelled()

    box.buttonClicked.connect(decided)
    box.finished.connect(closed)
    box.open()
    return box


__all__ = ["Question", "confirm_destructive"]
