"""Export CSV…: which orders (the rows loaded, or every order matching the filters), where to
save them, and the export itself with its progress, Cancel and plain-language outcome.

Rows loaded are written at once (progress in the list's footer). Every matching order is
fetched page by page on the bridge loop first, with the same source and filters as the list,
in a progress dialog with Cancel; the file is written only once all of it has arrived.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QProgressBar, QPushButton, QWidget

from . import dialogs
from .csv_export import CsvExporter, another_name, in_use_message
from .export_all import FetchProgress
from .export_dialogs import ExportProgressDialog, ListState, ask_which_orders
from .model import OrderHistoryModel


class ExportControls:
    """The page's widgets an export drives: its button, the progress bar, Cancel."""

    def __init__(self, button: QPushButton, progress: QProgressBar, cancel: QPushButton) -> None:
        self.button = button
        self.progress = progress
        self.cancel = cancel


def _filtered(model: OrderHistoryModel) -> bool:
    """Whether any filter narrows the list (asked of Impilo, or applied to loaded rows)."""
    return model.local_filter.is_active or not model.query.is_empty


class CsvActions(QObject):
    """The flow behind the page's Export CSV… button."""

    def __init__(
        self,
        page: QWidget,
        exporter: CsvExporter,
        export: ExportControls,
        model: OrderHistoryModel,
        *,
        offline: Callable[[], bool],
        folder: dialogs.SaveFolder,
        say: Callable[[str], None],
        show_error: Callable[[str, str], None],
    ) -> None:
        super().__init__(page)
        self._page = page
        self.exporter = exporter
        self._export = export
        self._model = model
        self._offline = offline
        self.save_folder = folder
        self._say = say
        self._show_error = show_error
        self.progress_dialog: ExportProgressDialog | None = None
        # What "Save under another name…" does when the file is open in another program.
        self._retry: Callable[[Path], None] = self.export_csv
        exporter.fetched.connect(self._on_fetched)
        exporter.progress.connect(self._on_export_progress)
        exporter.finished.connect(self._on_export_finished)
        exporter.failed.connect(self._on_export_failed)
        exporter.in_use.connect(self._on_export_in_use)

    # --- which orders, and where -----------------------------------------------------------

    def choose_csv_file(self) -> None:
        """Ask which orders, then where. Once the whole list is loaded the rows loaded are
        every matching order, so there is nothing to ask."""
        if self.exporter.running:
            return
        model = self._model
        if model.exhausted:
            self._choose_file(None, self.export_csv)
            return
        state = ListState(
            shown=model.rowCount(),
            loaded=model.loaded_count,
            total=model.total,
            filtered=_filtered(model),
            offline=self._offline(),
        )
        ask_which_orders(
            self._page,
            state,
            on_every_matching=lambda: self._choose_file(None, self.export_every_matching),
            on_loaded_rows=lambda: self._choose_file(None, self.export_csv),
        )

    def _choose_file(self, suggested: Path | None, then: Callable[[Path], None]) -> None:
        stamp = datetime.now().strftime("%Y-%m-%d")
        dialogs.choose_save_path(
            self._page,
            "exportCsvDialog",
            "Save orders as CSV — contains patient data",
            suggested or f"orders-{stamp}.csv",
            "CSV files (*.csv)",
            then,
            self.save_folder,
        )

    # --- the export ------------------------------------------------------------------------

    def export_csv(self, path: Path) -> None:
        """Write the rows the table shows (after filtering) to `path`."""
        if self.exporter.running:
            return
        self._retry = self.export_csv
        ui = self._export
        ui.progress.setVisible(True)
        ui.cancel.setVisible(True)
        ui.progress.setValue(0)
        ui.button.setEnabled(False)
        self.exporter.start(path, self._model.rows())

    def export_every_matching(self, path: Path) -> None:
        """Fetch every order matching the list's filters from the list's source, then write
        them to `path`; progress and Cancel in a dialog."""
        if self.exporter.running:
            return
        self._retry = self.export_every_matching
        self._export.button.setEnabled(False)
        dialog = ExportProgressDialog(self._page, path.name, filtered=_filtered(self._model))
        dialog.cancel_requested.connect(self.exporter.cancel)
        self.progress_dialog = dialog
        model = self._model
        self.exporter.start_matching(path, model.fetch_page, model.query, model.local_filter)
        dialog.open()

    def _on_fetched(self, step: FetchProgress) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.show_fetched(step)

    def _on_export_progress(self, done: int, total: int) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.show_writing(done, total)
            return
        progress = self._export.progress
        progress.setMaximum(max(total, 1))
        progress.setValue(done)
        progress.setFormat(f"Exporting {done:,} / {total:,}")

    def _on_export_finished(self, path: str, count: int) -> None:
        self._export_done()
        self._say(f"Exported {count:,} orders to {path}")

    def _on_export_failed(self, reason: str) -> None:
        self._export_done()
        if reason:
            self._show_error("The export did not finish", reason)
        else:
            # Cancel writes nothing, not the part fetched so far: a coordinator who stops an
            # export means "not now", and a file holding part of the history under the name
            # of a full export would be taken (and sent on) as all of it.
            self._say("Export cancelled; no file was written.")

    def _on_export_in_use(self, path: str) -> None:
        self._export_done()
        target = Path(path)
        title = "The orders were not exported"
        retry = self._retry
        dialogs.offer_another_name(
            self._page,
            title,
            in_use_message(target),
            lambda: self._choose_file(another_name(target), retry),
        )
        self._say(f"{title}: {in_use_message(target)}")

    def _export_done(self) -> None:
        ui = self._export
        ui.progress.setVisible(False)
        ui.cancel.setVisible(False)
        ui.button.setEnabled(True)
        if self.progress_dialog is not None:
            self.progress_dialog.finish()
            self.progress_dialog = None


__all__ = ["CsvActions", "ExportControls"]
