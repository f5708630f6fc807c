"""Export of history rows to a CSV file, on a worker thread, with progress and cancel."""

from __future__ import annotations

import asyncio
import csv
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from impilo_desktop.ui.plumbing.bridge import AsyncBridge, Job

from .order_row import OrderRow, local_time_text

CSV_HEADERS = [
    "Order id",
    "Last update (local time)",
    "Status",
    "Status code",
    "Patient id",
    "Patient",
    "Site id",
    "Site",
    "Items and kits",
    "Tracking",
    "External order ids",
]


def csv_record(row: OrderRow) -> list[str]:
    """One order as a CSV line (plain texts; ids as numbers)."""
    return [
        str(row.order_id),
        local_time_text(row.latest),
        row.texts[3],
        row.status,
        str(row.patient_id) if row.patient_id is not None else "",
        row.patient_name,
        str(row.site_id) if row.site_id is not None else "",
        row.site_name,
        row.texts[4],
        row.texts[5],
        "; ".join(row.external_ids),
    ]


class ExportCancelledError(Exception):
    """The user stopped the export; the partial file was removed."""


def write_orders_csv(
    path: Path,
    rows: Sequence[OrderRow],
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
    chunk: int = 500,
) -> int:
    """Write `rows` to `path` (UTF-8 with BOM so spreadsheet programs read accents).
    Written to a temporary file and renamed, so a cancelled or failed export leaves no
    half-written file behind. Returns the number of orders written."""
    temporary = path.with_name(path.name + ".part")
    total = len(rows)
    try:
        with temporary.open("w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            writer.writerow(CSV_HEADERS)
            for start in range(0, total, chunk):
                if cancelled():
                    raise ExportCancelledError
                writer.writerows(csv_record(r) for r in rows[start : start + chunk])
                if progress is not None:
                    progress(min(start + chunk, total), total)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    if progress is not None and total == 0:
        progress(0, 0)
    return total


class CsvExporter(QObject):
    """Runs `write_orders_csv` off the UI thread; progress arrives as a queued signal."""

    progress = Signal(int, int)
    finished = Signal(str, int)
    """(path, orders written)"""
    failed = Signal(str)
    """A plain-language reason ('' when cancelled)."""

    def __init__(self, bridge: AsyncBridge, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._cancel = threading.Event()
        self._job: Job | None = None

    @property
    def running(self) -> bool:
        return self._job is not None

    def start(self, path: Path, rows: Sequence[OrderRow]) -> None:
        """Export a snapshot of `rows` (rows are immutable, so the worker may read them)."""
        if self._job is not None:
            return
        self._cancel.clear()
        snapshot = list(rows)
        work = asyncio.to_thread(
            write_orders_csv,
            path,
            snapshot,
            # Emitted from the worker thread: Qt queues it onto the UI thread.
            progress=self.progress.emit,
            cancelled=self._cancel.is_set,
        )
        self._job = self._bridge.submit(
            work,
            on_result=lambda count: self._done(str(path), count),
            on_error=self._error,
        )

    def cancel(self) -> None:
        self._cancel.set()

    def _done(self, path: str, count: int) -> None:
        self._job = None
        self.finished.emit(path, count)

    def _error(self, error: BaseException) -> None:
        self._job = None
        if isinstance(error, ExportCancelledError):
            self.failed.emit("")
        elif isinstance(error, OSError):
            self.failed.emit(f"The file could not be written: {error.strerror or error}")
        else:
            self.failed.emit(f"The export failed: {error}")
