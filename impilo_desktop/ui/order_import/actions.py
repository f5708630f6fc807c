"""The window's import commands (File menu): "Import orders…" opens the import dialog, and
"Last import summary…" shows what became of the last import. While a batch goes out the
status bar says how far it is; when nothing of it moves any more the notice bar offers its
summary."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from impilo_desktop.ui.order_import.batch_watch import BatchWatch
from impilo_desktop.ui.order_import.batch_words import batch_outcome

if TYPE_CHECKING:
    from impilo_desktop.config import Profile
    from impilo_desktop.sync.order_import import BatchSummary, ImportBatch
    from impilo_desktop.ui.order_import.dialog import ImportDialog
    from impilo_desktop.ui.order_import.summary import ImportSummaryDialog
    from impilo_desktop.ui.shell.main_window import MainWindow

IMPORT_ORDERS_KEY = "Ctrl+O"


class ImportActions:
    """Opens the import dialogs of `window` and follows the batches they queued."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.dialog: ImportDialog | None = None
        self.summary_dialog: ImportSummaryDialog | None = None
        self.folder: Path | None = None
        self.status = QLabel(window.status)
        self.status.setObjectName("importStatus")
        window.status.addWidget(self.status)
        self.watch = self._new_watch()
        window.profile_switched.connect(self._switched)

    def _new_watch(self) -> BatchWatch:
        watch = BatchWatch(self.window.services, self.window.services.outbox)
        watch.progress_text.connect(self.status.setText)
        watch.finished.connect(self._finished)
        watch.resume()  # batches still going out when the app was closed
        return watch

    def _switched(self, _profile: Profile) -> None:
        # The old outbox (and the watch on it) went with the old profile.
        self.status.setText("")
        self.watch = self._new_watch()

    def import_orders(self) -> None:
        """The import dialog (one at a time)."""
        if self.dialog is not None:
            self.dialog.raise_()
            self.dialog.activateWindow()
            return
        # Imported when first opened, not with the window: it is not part of the first paint.
        from impilo_desktop.ui.order_import.dialog import ImportDialog

        # The batch is reported here, not by a signal of the dialog: closed while it queues,
        # the dialog is gone by the time the batch is in the outbox.
        dialog = ImportDialog(
            self.window.services,
            self.window,
            self.folder,
            on_queued=self.queued,
            tell=self.window.show_notice,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: self._closed(dialog))
        self.dialog = dialog
        dialog.open()

    def _closed(self, dialog: ImportDialog) -> None:
        # On closing, not on its deletion later: Ctrl+O right after Close opens a new one.
        self.folder = dialog.folder
        if self.dialog is dialog:
            self.dialog = None

    def queued(self, batch: ImportBatch) -> None:
        """A batch is in the outbox: send it now, and follow it to its summary."""
        outbox = self.window.services.outbox
        outbox.changed()
        outbox.drain(due_only=False)
        self.watch.watch(batch)

    def _finished(self, summary: BatchSummary) -> None:
        self.window.notice_bar.show_message(
            f"Import finished: {batch_outcome(summary)}.",
            [("Show summary…", lambda: self.show_summary(summary))],
            icon_name="key-rejected" if summary.refused else "send",
        )

    def show_last_summary(self) -> None:
        """File > Last import summary…: the latest batch of this profile, read now."""
        services = self.window.services
        store = services.store

        def read() -> BatchSummary | None:
            from impilo_desktop.sync.order_import import batch_summary  # on the bridge

            batches = store.recent_import_batches(1)
            return batch_summary(store, batches[0].batch_id) if batches else None

        def show(summary: BatchSummary | None) -> None:
            if summary is None:
                self.window.show_notice("No orders have been imported from a spreadsheet yet.")
            else:
                self.show_summary(summary)

        services.bridge.call(
            read,
            on_result=show,
            on_error=lambda _error: self.window.show_notice(
                "The last import's summary could not be read."
            ),
        )

    def _forget_summary(self, dialog: ImportSummaryDialog) -> None:
        if self.summary_dialog is dialog:  # not a newer one opened meanwhile
            self.summary_dialog = None

    def show_summary(self, summary: BatchSummary) -> None:
        if self.summary_dialog is not None:
            self.summary_dialog.close()
        from impilo_desktop.ui.order_import.summary import ImportSummaryDialog

        window = self.window
        folder = self.folder or Path.home()
        dialog = ImportSummaryDialog(window.services.bridge, summary, folder, window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.summary_dialog = dialog
        dialog.finished.connect(lambda _result: self._forget_summary(dialog))
        dialog.open()
