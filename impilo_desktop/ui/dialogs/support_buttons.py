"""The button row the About and crash dialogs share (Copy details, Open log folder, Close),
and `open_folder`, which Settings uses too."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QDialog, QHBoxLayout, QPushButton


def open_folder(folder: Path) -> bool:
    """Show `folder` in Explorer / Finder / the file manager (creating it if need be)."""
    folder.mkdir(parents=True, exist_ok=True)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def _button(text: str, name: str, accessible: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setAccessibleName(accessible)
    return button


class SupportButtons:
    """Copy details · Open log folder ·········· Close (the default button)."""

    def __init__(
        self,
        dialog: QDialog,
        *,
        copy_name: str,
        details: Callable[[], str],
        log_folder: Callable[[], Path],
    ) -> None:
        self._details = details
        self._log_folder = log_folder
        self.copy_button = _button("&Copy details", copy_name, "Copy details")
        self.copy_button.clicked.connect(self.copy_details)
        self.open_logs_button = _button(
            "Open &log folder", "openLogFolderButton", "Open log folder"
        )
        self.open_logs_button.clicked.connect(self.open_log_folder)
        self.close_button = _button("Close", "closeButton", "Close")
        self.close_button.setDefault(True)
        self.close_button.clicked.connect(dialog.accept)
        self.row = QHBoxLayout()
        self.row.addWidget(self.copy_button)
        self.row.addWidget(self.open_logs_button)
        self.row.addStretch(1)
        self.row.addWidget(self.close_button)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self._details())
        self.copy_button.setText("Copied")

    def open_log_folder(self) -> None:
        open_folder(self._log_folder())


__all__ = ["SupportButtons", "open_folder"]
