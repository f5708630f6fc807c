"""The history page's dialogs. All are window-modal and opened with `open()`, so the event
loop keeps running (background answers still arrive, and tests can drive them)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from impilo_desktop.ui.dialogs.confirm import Question, confirm_destructive


def confirm_void(parent: QWidget, order_id: int, on_confirmed: Callable[[], None]) -> QMessageBox:
    """Ask before voiding; `on_confirmed` runs only for the explicit "Void order" button."""
    return confirm_destructive(
        parent,
        Question(
            name="confirmVoidDialog",
            title="Void order",
            text=f"Void order {order_id}?",
            informative="Impilo will cancel the order. This cannot be undone; to change an "
            "order, void it and place a new one.",
            action="Void order",
            action_name="confirmVoidButton",
        ),
        on_confirmed,
    )


def show_error(parent: QWidget, title: str, message: str) -> QMessageBox:
    """A plain warning with the server's words (e.g. why a void was refused)."""
    box = QMessageBox(parent)
    box.setObjectName("historyErrorMessage")
    box.setAccessibleName(title)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(f"{title}.")
    box.setInformativeText(message)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.open()
    return box


def choose_save_path(
    parent: QWidget,
    name: str,
    title: str,
    suggested: str,
    pattern: str,
    on_chosen: Callable[[Path], None],
) -> QFileDialog:
    """A save-file dialog; `on_chosen(path)` runs once the coordinator picked a file."""
    dialog = QFileDialog(parent, title, str(Path.home() / suggested), pattern)
    dialog.setObjectName(name)
    dialog.setAccessibleName(title)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setDefaultSuffix(pattern.rsplit(".", 1)[-1].rstrip(")"))
    dialog.fileSelected.connect(lambda path: on_chosen(Path(path)))
    dialog.open()
    return dialog
