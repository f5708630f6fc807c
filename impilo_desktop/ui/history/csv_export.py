"""Export of history rows to a CSV file, on a worker thread, with progress and cancel: the
rows loaded, or every order matching the filters (fetched page by page first)."""

from __future__ import annotations

import asyncio
import csv
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from impilo_desktop.api.errors import ImpiloError
from impilo_desktop.domain.csv_cells import inert
from impilo_desktop.ui.plumbing.bridge import AsyncBridge, Job

from .export_all import ExportCancelledError, FetchPage, FetchProgress, gather_matching
from .filters import LocalFilter, OrderQuery
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
    """One order as a CSV line (plain texts; ids as numbers). Impilo's texts (names, items,
    tracking, external ids typed by anyone) are made `inert`: Excel runs none as a formula."""
    return [
        str(row.order_id),
        local_time_text(row.latest),
        inert(row.texts[3]),
        inert(row.status),
        str(row.patient_id) if row.patient_id is not None else "",
        inert(row.patient_name),
        str(row.site_id) if row.site_id is not None else "",
        inert(row.site_name),
        inert(row.texts[4]),
        inert(row.texts[5]),
        inert("; ".join(row.external_ids)),
    ]


class FileInUseError(PermissionError):
    """The target file exists but cannot be replaced: a program holds it open."""


def in_use_message(path: Path) -> str:
    """What to say when `path` cannot be replaced because a program holds it open."""
    return (
        f"{path.name} is open in another program (Excel?). Close it there, or save under"
        " another name."
    )


def another_name(path: Path) -> Path:
    """`orders.csv` -> `orders (2).csv` (or the first number not taken in that folder)."""
    n = 2
    while True:
        candidate = path.with_name(f"{path.stem} ({n}){path.suffix}")
        if not candidate.exists():
            return candidate
        n += 1


def _check_replaceable(path: Path) -> None:
    """Fail before writing thousands of rows when `path` cannot be replaced: a spreadsheet
    program keeps the file it shows open for writing (Windows then refuses to open it for
    writing too: PermissionError), and a folder of that name is not a file."""
    if path.is_dir():
        raise IsADirectoryError(21, "There is a folder of that name", str(path))
    if path.exists():
        try:
            with path.open("r+b"):  # opened to write, nothing written: the file is unchanged
                pass
        except PermissionError as exc:
            raise FileInUseError(*exc.args) from exc


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
    _check_replaceable(path)
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
        try:
            os.replace(temporary, path)
        except PermissionError as exc:
            # Opened by a program since the check (Windows: WinError 5 or 32).
            raise FileInUseError(*exc.args) from exc
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    if progress is not None and total == 0:
        progress(0, 0)
    return total


class CsvExporter(QObject):
    """Runs `write_orders_csv` off the UI thread; progress arrives as a queued signal."""

    fetched = Signal(object)
    """A `FetchProgress` after each page, while every matching order is fetched."""
    progress = Signal(int, int)
    finished = Signal(str, int)
    """(path, orders written)"""
    failed = Signal(str)
    """A plain-language reason ('' when cancelled)."""
    in_use = Signal(str)
    """(path) The file is open in another program: say so and offer another name."""

    def __init__(self, bridge: AsyncBridge, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._cancel = threading.Event()
        self._job: Job | None = None
        self._path = Path()

    @property
    def running(self) -> bool:
        return self._job is not None

    def start(self, path: Path, rows: Sequence[OrderRow]) -> None:
        """Export a snapshot of `rows` (rows are immutable, so the worker may read them)."""
        if self._job is not None:
            return
        self._cancel.clear()
        self._path = path
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

    def start_matching(
        self, path: Path, fetch_page: FetchPage, query: OrderQuery, local_filter: LocalFilter
    ) -> None:
        """Fetch every order `fetch_page` lists for `query` that `local_filter` matches, then
        write them: all of it on the bridge loop (the file on a worker thread). A cancel or a
        failure on the way writes nothing at all."""
        if self._job is not None:
            return
        self._cancel.clear()
        self._path = path

        def fetched(step: FetchProgress) -> None:
            self.fetched.emit(step)  # from the loop thread: queued onto the UI thread

        async def fetch_and_write() -> int:
            # A file Excel holds open is said before minutes of fetching, not after.
            await asyncio.to_thread(_check_replaceable, path)
            rows = await gather_matching(
                fetch_page, query, local_filter, progress=fetched, cancelled=self._cancel.is_set
            )
            return await asyncio.to_thread(
                write_orders_csv,
                path,
                rows,
                progress=self.progress.emit,
                cancelled=self._cancel.is_set,
            )

        self._job = self._bridge.submit(
            fetch_and_write(),
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
        elif isinstance(error, FileInUseError):
            self.in_use.emit(str(self._path))
        elif isinstance(error, ImpiloError):
            # Fetching stopped part-way (Impilo gone, a list that never ends): say why, and
            # that no half file stands in for the whole history.
            self.failed.emit(f"{error.message} No file was written.")
        elif isinstance(error, OSError):
            self.failed.emit(f"The file could not be written: {error.strerror or error}")
        else:
            self.failed.emit(f"The export failed: {error}")
