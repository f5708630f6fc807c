"""The template manager's Export… and Import…: a file chooser, then the file written or read
and parsed on the bridge (`store/template_files.py`); what happened comes back as one
sentence for the manager's bar. A bad file changes nothing and says why."""

from __future__ import annotations

import logging
from collections.abc import Collection
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from impilo_desktop.domain.templates import TemplateFileError
from impilo_desktop.store import Store, StoreError
from impilo_desktop.store.template_files import (
    SUGGESTED_FILE_NAME,
    export_templates_file,
    import_templates_file,
    imported_text,
)
from impilo_desktop.store.templates import ImportedTemplate
from impilo_desktop.ui.history.dialogs import SaveFolder, choose_save_path
from impilo_desktop.ui.plumbing.bridge import AsyncBridge

log = logging.getLogger(__name__)

PATTERN = "Order templates (*.json)"


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return "an unexpected error (see the log)"


class TemplateFiles(QObject):
    """Opens the file choosers for `parent`. Signals: `said(text)` (exported, or why not),
    `imported(text, first_template_id)` after an import added templates."""

    said = Signal(str)
    imported = Signal(str, str)

    def __init__(self, bridge: AsyncBridge, store: Store, home: Path, parent: QWidget) -> None:
        super().__init__(parent)
        self._bridge, self._store, self._parent = bridge, store, parent
        self.folder = SaveFolder(home, "templates")

    def choose_export(self, template_ids: Collection[str] | None = None) -> QFileDialog:
        """Ask where to save (suggesting "order templates.json"), then write the templates
        (all, or those of `template_ids`)."""
        dialog = choose_save_path(
            self._parent,
            "exportTemplatesDialog",
            "Export templates",
            SUGGESTED_FILE_NAME,
            PATTERN,
            lambda path: self.export_to(path, template_ids),
            self.folder,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        return dialog

    def export_to(self, path: Path, template_ids: Collection[str] | None = None) -> None:
        """Write the templates to `path` on the bridge."""

        def written(count: int) -> None:
            what = "1 template" if count == 1 else f"{count} templates"
            self.said.emit(f"Exported {what} to “{path.name}” in {path.parent}.")

        def failed(error: BaseException) -> None:
            log.warning("Exporting templates failed (%s)", type(error).__name__)
            self.said.emit(f"The templates were not exported: {_reason(error)}.")

        ids = None if template_ids is None else list(template_ids)
        self._bridge.call(
            export_templates_file, self._store, path, ids, on_result=written, on_error=failed
        )

    def choose_import(self) -> QFileDialog:
        """Ask for a templates file, then import it."""
        dialog = QFileDialog(
            self._parent, "Import templates", str(self.folder.start()), f"{PATTERN};;All files (*)"
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setObjectName("importTemplatesDialog")
        dialog.setAccessibleName("Import templates")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)

        def chosen(path: str) -> None:
            self.folder.remember(Path(path))
            self.import_from(Path(path))

        dialog.fileSelected.connect(chosen)
        dialog.open()
        return dialog

    def import_from(self, path: Path) -> None:
        """Read, parse and add the templates of `path` on the bridge."""

        def added(imported: list[ImportedTemplate]) -> None:
            self.imported.emit(imported_text(imported), imported[0].template.template_id)

        def failed(error: BaseException) -> None:
            if isinstance(error, TemplateFileError):
                text = error.message
            elif isinstance(error, StoreError):
                text = f"{error.message} Nothing was imported."
            else:
                log.warning("Importing templates failed (%s)", type(error).__name__)
                text = f"The file could not be read ({_reason(error)}); nothing was imported."
            self.said.emit(text)

        self._bridge.call(
            import_templates_file, self._store, path, on_result=added, on_error=failed
        )
