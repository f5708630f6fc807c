"""Follows the import batches going out: after every outbox change, what became of each batch
is read on the bridge (`batch_summary`); the status bar gets "Importing orders.csv: 12 of 50
placed", and once nothing of a batch is moving any more `finished(summary)` fires once."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from impilo_desktop.ui.order_import.batch_words import batch_progress

if TYPE_CHECKING:
    from impilo_desktop.store import Store
    from impilo_desktop.sync.order_import import BatchSummary, ImportBatch
    from impilo_desktop.ui.plumbing.services import AppServices

log = logging.getLogger(__name__)


def _summary(store: Store, batch_id: str) -> BatchSummary:
    # On the bridge: the import's core is imported there, by the first read, not with the
    # window (its first paint needs none of it).
    from impilo_desktop.sync.order_import import batch_summary

    return batch_summary(store, batch_id)


class BatchWatch(QObject):
    """`progress_text(text)` ("" when no batch is moving), `finished(BatchSummary)`."""

    progress_text = Signal(str)
    finished = Signal(object)

    def __init__(self, services: AppServices, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._batches: dict[str, ImportBatch] = {}
        self._reading = False
        self._again = False
        services.outbox.entries_changed.connect(self.read)

    @property
    def watching(self) -> list[str]:
        return list(self._batches)

    def resume(self) -> None:
        """Watch this profile's recent batches that are still going out (queued before the
        app was last closed): their progress and summary follow as for a new import."""
        store = self._services.store

        def moving() -> list[ImportBatch]:
            batches = store.recent_import_batches()
            return [b for b in batches if not _summary(store, b.batch_id).finished]

        self._services.bridge.call(moving, on_result=self._watch_all, on_error=self._on_error)

    def _watch_all(self, batches: list[ImportBatch]) -> None:
        for batch in batches:
            self.watch(batch)

    def watch(self, batch: ImportBatch) -> None:
        self._batches[batch.batch_id] = batch
        self.read()

    def read(self) -> None:
        """Read the watched batches again (one read at a time; a change meanwhile asks for
        one more, so the last change is always read)."""
        if not self._batches:
            return
        if self._reading:
            self._again = True
            return
        self._reading, self._again = True, False
        store, ids = self._services.store, list(self._batches)
        self._services.bridge.call(
            lambda: [_summary(store, batch_id) for batch_id in ids],
            on_result=self._on_read,
            on_error=self._on_error,
        )

    def _on_read(self, summaries: list[BatchSummary]) -> None:
        self._reading = False
        moving = []
        for summary in summaries:
            if summary.batch.batch_id not in self._batches:
                continue
            if summary.finished:
                del self._batches[summary.batch.batch_id]
                self.finished.emit(summary)
            else:
                moving.append(batch_progress(summary))
        self.progress_text.emit("; ".join(moving))
        if self._again:
            self.read()

    def _on_error(self, error: BaseException) -> None:
        self._reading = False
        log.warning("Could not read an import batch: %s", error)
        if self._again:
            self.read()
