"""Where a coordinator chooses a folder for files that hold patient data (order files written
before their orders are removed from this computer)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget


def choose_folder(
    parent: QWidget,
    title: str,
    *,
    name: str,
    accessible_name: str,
    chosen: Callable[[Path], None],
    cancelled: Callable[[], None],
) -> QFileDialog:
    """Open a window-modal folder dialog starting in Documents (home when there is none);
    `chosen(folder)` or `cancelled()` follows. The title says the files hold patient data."""
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    start = documents if documents and Path(documents).is_dir() else str(Path.home())
    dialog = QFileDialog(parent, title, start)
    dialog.setObjectName(name)
    dialog.setAccessibleName(accessible_name)
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    dialog.fileSelected.connect(lambda folder: chosen(Path(folder)))
    dialog.rejected.connect(cancelled)
    dialog.open()
    return dialog
