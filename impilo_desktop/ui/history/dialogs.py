"""The history page's dialogs. All are window-modal and opened with `open()`, so the event
loop keeps running (background answers still arrive, and tests can drive them)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths, Qt
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


def offer_another_name(
    parent: QWidget, title: str, message: str, on_another_name: Callable[[], None]
) -> QMessageBox:
    """`message` (why the file could not be written) with "Save under another name…", which
    calls `on_another_name`, and Cancel."""
    box = QMessageBox(parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setObjectName("fileInUseMessage")
    box.setAccessibleName(title)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(f"{title}.")
    box.setInformativeText(message)
    another = box.addButton("Save under another name…", QMessageBox.ButtonRole.AcceptRole)
    another.setObjectName("saveUnderAnotherName")
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(another)
    box.setEscapeButton(cancel)
    box.buttonClicked.connect(lambda button: on_another_name() if button is another else None)
    box.open()
    return box


class SaveFolder:
    """Where a kind of save dialog (CSV, PDF) starts: Documents the first time, then the
    folder that kind of file went to last, so exports and summaries each keep their own
    place. Kept in the window's settings file (window.ini in the app home), so it lasts across
    starts; a folder since removed falls back to Documents."""

    LEGACY_KEY = "dialogs/lastSaveFolder"
    """One folder for every kind, as versions before 'per kind' kept it: still a start."""

    def __init__(self, home: Path, kind: str) -> None:
        self._settings = QSettings(str(home / "window.ini"), QSettings.Format.IniFormat)
        self.key = f"dialogs/last{kind.capitalize()}Folder"  # lastCsvFolder, lastPdfFolder

    def start(self) -> Path:
        for key in (self.key, self.LEGACY_KEY):
            saved = self._settings.value(key)
            if isinstance(saved, str) and saved and Path(saved).is_dir():
                return Path(saved)
        location = QStandardPaths.StandardLocation.DocumentsLocation
        documents = QStandardPaths.writableLocation(location)
        if documents and Path(documents).is_dir():
            return Path(documents)
        return Path.home()

    def remember(self, chosen: Path) -> None:
        self._settings.setValue(self.key, str(chosen.parent))


def choose_save_path(
    parent: QWidget,
    name: str,
    title: str,
    suggested: str | Path,
    pattern: str,
    on_chosen: Callable[[Path], None],
    folder: SaveFolder,
) -> QFileDialog:
    """A save-file dialog in `folder`'s place (or where `suggested`, a full path, points);
    `on_chosen(path)` runs once the coordinator picked a file, and its folder is kept."""
    start = suggested if isinstance(suggested, Path) else folder.start() / suggested
    dialog = QFileDialog(parent, title, str(start), pattern)
    dialog.setObjectName(name)
    dialog.setAccessibleName(title)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setDefaultSuffix(pattern.rsplit(".", 1)[-1].rstrip(")"))

    def chosen(path: str) -> None:
        folder.remember(Path(path))
        on_chosen(Path(path))

    dialog.fileSelected.connect(chosen)
    dialog.open()
    return dialog
