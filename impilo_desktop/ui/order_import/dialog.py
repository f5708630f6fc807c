"""File > Import orders…: choose a spreadsheet, look at what it becomes, queue it.

Three steps in one dialog (`pages.py`). The file is read, matched and checked on the bridge
(`build_preview`); its progress reaches the dialog through a value the loop thread writes
and a timer here reads, so nothing crosses threads into a widget that may be closing. Cancel
(or Escape, or closing) stops the check. Queueing is one call on the bridge
(`queue_import`, one transaction); nothing is queued until the coordinator chose to, and a
failure says so with the preview still on screen. What was queued is reported to
`on_queued` (the window's, not this dialog's: closing the dialog while it queues loses
nothing).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from impilo_desktop.api.network import in_daemon_thread
from impilo_desktop.domain.order_sheet.template import template_csv
from impilo_desktop.store import RefsAlreadyQueued, StoreError
from impilo_desktop.sync.order_import import (
    ImportBatch,
    ImportPreview,
    PreviewOrder,
    PreviewProgress,
    build_preview,
    queue_import,
    rows_with_problems,
    rows_with_problems_name,
)
from impilo_desktop.sync.sheet_file import SheetTooLarge, read_sheet_file
from impilo_desktop.ui.order_import import wording
from impilo_desktop.ui.order_import.files import (
    choose_open_path,
    choose_save_path,
    is_same_file,
    prepare_file,
    save_on_bridge,
)
from impilo_desktop.ui.order_import.pages import ChoosePage, PreviewPage, QueuedPage, say
from impilo_desktop.ui.plumbing.bridge import Job
from impilo_desktop.ui.plumbing.services import AppServices

log = logging.getLogger(__name__)

PROGRESS_POLL_MS = 100
SIZE = (1040, 640)  # within a 1366x768 laptop's screen, with room for the task bar


class ImportDialog(QDialog):
    """Choose -> Preview -> Queued. `on_queued(batch)` once orders are in the outbox (even
    when the dialog was closed meanwhile); `tell(text)` says what the closed dialog cannot."""

    def __init__(
        self,
        services: AppServices,
        parent: QWidget,
        folder: Path | None = None,
        on_queued: Callable[[ImportBatch], None] | None = None,
        tell: Callable[[str], None] | None = None,
    ):
        super().__init__(parent)
        self._on_queued = on_queued
        self._tell = tell
        self._left = False  # closed: its widgets may be gone, answers go to the window
        self.queueing = False
        self.setObjectName("importDialog")
        self.setWindowTitle("Import orders from a spreadsheet")
        self.setAcceptDrops(True)
        self._services = services
        self.folder = folder or Path.home()
        self.preview: ImportPreview | None = None
        self.path: Path | None = None
        self.problems_path: Path | None = None
        self._job: Job | None = None
        self._note = ""  # said above the next preview: why the file was checked again
        self._check = 0  # the check on screen; an answer to an earlier one is dropped
        self._latest: PreviewProgress | None = None  # written by the loop thread
        self._poll = QTimer(self)
        self._poll.setInterval(PROGRESS_POLL_MS)
        self._poll.timeout.connect(self._show_progress)

        layout = QVBoxLayout(self)
        self.stack = QStackedWidget(self)
        self.stack.setObjectName("importSteps")
        self.choose_page = ChoosePage(self.stack)
        self.preview_page = PreviewPage(self.stack)
        self.queued_page = QueuedPage(self.stack)
        for page in (self.choose_page, self.preview_page, self.queued_page):
            self.stack.addWidget(page)
        layout.addWidget(self.stack, 1)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("cancelImportCheckButton")
        self.cancel_button.setAccessibleName("Stop checking the file")
        self.cancel_button.hide()
        self.close_button = QPushButton("Close", self)
        self.close_button.setObjectName("closeImportButton")
        for button in (self.cancel_button, self.close_button):
            button.setAutoDefault(False)
            bottom.addWidget(button)
        layout.addLayout(bottom)

        self.choose_page.choose_button.clicked.connect(self.choose_file)
        self.choose_page.template_button.clicked.connect(self.save_template)
        self.preview_page.queue_all.clicked.connect(self.queue_all)
        self.preview_page.queue_good.clicked.connect(self.queue_good_orders)
        self.preview_page.another.clicked.connect(self.choose_another)
        self.cancel_button.clicked.connect(self.cancel_check)
        self.close_button.clicked.connect(self.reject)
        self._fit_screen()
        self._show_step(self.choose_page)

    def _fit_screen(self) -> None:
        width, height = SIZE
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is not None:
            area = screen.availableGeometry()
            width = min(width, int(area.width() * 0.92))
            height = min(height, int(area.height() * 0.88))
        self.resize(width, height)

    def _show_step(self, page: QWidget) -> None:
        self.stack.setCurrentWidget(page)
        if page is self.choose_page:
            self.choose_page.choose_button.setDefault(True)
            self.choose_page.choose_button.setFocus(Qt.FocusReason.OtherFocusReason)
        elif page is self.preview_page:
            self.preview_page.table.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.close_button.setDefault(True)
            self.close_button.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- choose -------------------------------------------------------------------------------

    def choose_file(self) -> None:
        path = choose_open_path(self, "Choose the spreadsheet", self.folder, wording.FILE_FILTER)
        if path is not None:
            self.open_file(path)

    def choose_another(self) -> None:
        self.preview = None
        self._show_step(self.choose_page)
        self.choose_file()

    def open_file(self, path: Path, note: str = "") -> None:
        """Read and check `path` on the bridge; the preview follows (or why it cannot), with
        `note` above it (why it was checked again)."""
        if self.checking or self.queueing:
            return
        self.path, self.folder, self.preview = path, path.parent, None
        self._note = note
        say(self.choose_page.message, note)
        self._show_step(self.choose_page)
        self.choose_page.set_busy(True, f"Reading {path.name}…")
        self.cancel_button.show()
        self.close_button.hide()
        self.cancel_button.setFocus(Qt.FocusReason.OtherFocusReason)
        self._latest = None
        self._poll.start()
        services = self._services
        self._check += 1
        number = self._check

        def report(progress: PreviewProgress) -> None:
            self._latest = progress  # on the loop thread: a value, read by the timer

        async def check() -> ImportPreview:
            # A file on a network share can take a while, or hang: not on the loop itself,
            # and in a daemon thread rather than asyncio's pool, whose threads are waited
            # for when the app quits (a hung share would keep it from quitting). Cancel
            # stops waiting for it; the size limit keeps an EHR dump from filling memory.
            data = await in_daemon_thread(lambda: read_sheet_file(path))
            client = services.client() if services.api_key() else None
            return await build_preview(data, path.name, services.store, client, progress=report)

        self._job = services.bridge.submit(
            check(),
            on_result=lambda preview: self._answer(number, preview),
            on_error=lambda error: self._answer(number, error),
        )

    def _answer(self, number: int, answer: ImportPreview | BaseException) -> None:
        if number != self._check:
            return  # cancelled (a cancelled job that had just finished still answers)
        if isinstance(answer, BaseException):
            self._check_failed(answer)
        else:
            self.show_preview(answer)

    @property
    def checking(self) -> bool:
        """A file is being checked (until its answer is on screen, or Cancel)."""
        return self._job is not None

    def cancel_check(self) -> None:
        """Stop reading and checking the file (nothing was written)."""
        if self._job is not None:
            self._job.cancel()
        self._check += 1
        self._checked()
        say(self.choose_page.message, "Stopped. Nothing was queued.")

    def _checked(self) -> None:
        self._job = None
        self._poll.stop()
        self.choose_page.set_busy(False)
        self.cancel_button.hide()
        self.close_button.show()

    def _show_progress(self) -> None:
        progress = self._latest
        if progress is not None:
            self.choose_page.set_progress(progress.stage, progress.done, progress.total)

    def _check_failed(self, error: BaseException) -> None:
        self._checked()
        name = self.path.name if self.path else "the file"
        if isinstance(error, SheetTooLarge):
            text = f"{name} {error}. Nothing was queued."
        elif isinstance(error, OSError):
            reason = error.strerror or "it cannot be opened"
            text = f"Could not read {name} ({reason}). Check it is there and not open elsewhere."
        elif isinstance(error, StoreError):
            text = f"Could not check {name}: {error.message} Nothing was queued."
        else:
            log.error("Checking an import file failed", exc_info=error)
            text = (
                f"Could not check {name}: something went wrong (the details are in the log)."
                " Nothing was queued."
            )
        say(self.choose_page.message, text, bad=True)
        self._show_step(self.choose_page)

    def show_preview(self, preview: ImportPreview) -> None:
        """The file as orders, with every problem; the choices it allows."""
        self._checked()
        self.preview = preview
        self.preview_page.show_preview(preview)
        if self._note:
            page = self.preview_page
            say(page.message, " ".join(t for t in (self._note, page.message.text()) if t))
        self._show_step(self.preview_page)

    # -- the template -------------------------------------------------------------------------

    def save_template(self) -> None:
        suggested = self.folder / wording.TEMPLATE_FILE_NAME
        path = choose_save_path(self, "Save the template spreadsheet", suggested, "CSV (*.csv)")
        if path is not None:
            self.write_template(path)

    def write_template(self, path: Path) -> None:
        def saved(written: Path) -> None:
            say(self.choose_page.message, f"The template spreadsheet is saved as {written.name}.")

        def failed(error: BaseException) -> None:
            log.warning("Could not save the template spreadsheet: %s", error)
            say(self.choose_page.message, wording.not_saved(path, error), bad=True)

        save_on_bridge(self._services.bridge, path, template_csv, saved, failed)

    # -- queue --------------------------------------------------------------------------------

    def queue_all(self) -> None:
        """Queue every new order (only when nothing is wrong)."""
        if self.preview is not None and self.preview.can_queue_all:
            self._queue(self.preview.new_orders, None)

    def queue_good_orders(self) -> None:
        """Choose where the rows with problems go, then queue the good orders."""
        preview, path = self.preview, self.path
        if preview is None or path is None or not preview.new_orders:
            return
        suggested = path.parent / rows_with_problems_name(preview)
        kind = "Excel workbook (*.xlsx)" if preview.kind == "xlsx" else "CSV (*.csv)"
        while True:
            target = choose_save_path(self, "Save the rows with problems", suggested, kind)
            if target is None:  # cancelled: nothing is queued
                return
            if not is_same_file(target, path):  # by name only: the write checks the disk
                break
            # Its good rows would be lost: they are only in the original. Asked again.
            say(self.preview_page.message, wording.SAME_AS_SPREADSHEET, bad=True)
        self.queue_good_and_save(target)

    def queue_good_and_save(self, target: Path) -> None:
        """Queue the good orders and write the rows with problems to `target`; if the file
        cannot be written nothing is queued, and it appears only once they are queued."""
        if self.preview is not None and self.preview.new_orders:
            self._queue(self.preview.new_orders, target)

    def _queue(self, orders: list[PreviewOrder], problems_path: Path | None) -> None:
        preview, source = self.preview, self.path
        assert preview is not None
        assert source is not None
        services = self._services
        server = services.profile.base_url
        page = self.preview_page
        for button in (page.queue_all, page.queue_good, page.another):
            button.setEnabled(False)
        say(page.message, "Queueing…")

        def work() -> tuple[ImportBatch, bool]:
            """The batch, and whether the rows with problems are in `problems_path`."""
            if problems_path is None:
                return queue_import(services.store, preview, server=server, orders=orders), False
            # Written beside the target first (a full disk or a read-only folder queues
            # nothing), in place only once the orders are queued: a failed queue leaves no
            # rows-with-problems file behind that reads as if the good orders had gone.
            written = prepare_file(problems_path, rows_with_problems(preview), source)
            try:
                batch = queue_import(services.store, preview, server=server, orders=orders)
            except BaseException:
                written.discard()
                raise
            try:
                written.commit()
            except OSError as exc:  # queued all the same: the rows are still in the original
                log.warning("The rows with problems could not be put in place: %s", exc)
                written.discard()
                return batch, False
            return batch, True

        self.queueing = True
        on_queued, tell = self._on_queued, self._tell

        def queued(answer: tuple[ImportBatch, bool]) -> None:
            batch, saved = answer
            self.queueing = False
            if on_queued is not None:
                on_queued(batch)  # first: the window follows the batch whatever the dialog does
            if not self._left:
                self.problems_path = problems_path if saved else None
                self._queued(batch)

        def failed(error: BaseException) -> None:
            self.queueing = False
            if not isinstance(error, (OSError, StoreError)):
                log.error("Queueing an import failed", exc_info=error)
            text = wording.not_queued(error, problems_path)
            if not self._left:
                self._queue_failed(error, text)
            elif tell is not None:
                tell(f"Importing {preview.file_name}: {text}")

        services.bridge.call(work, on_result=queued, on_error=failed)

    def _queue_failed(self, error: BaseException, text: str) -> None:
        page, preview = self.preview_page, self.preview
        if isinstance(error, RefsAlreadyQueued) and self.path is not None:
            # The preview on screen is out of date: its Queue cannot work. Checked again, so
            # what is left to queue (if anything) is what is offered.
            self.open_file(self.path, note=text + " The file was checked again.")
            return
        page.another.setEnabled(True)
        page.queue_all.setEnabled(preview is not None and preview.can_queue_all)
        page.queue_good.setEnabled(True)
        say(page.message, text, bad=True)

    def _queued(self, batch: ImportBatch) -> None:
        problems = self.problems_path.name if self.problems_path else None
        self.queued_page.text.setText(
            wording.queued_text(len(batch.entry_ids), batch.file_name, problems)
        )
        self._show_step(self.queued_page)

    # -- leaving and dropping -----------------------------------------------------------------

    def reject(self) -> None:
        if self.checking:
            self.cancel_check()
        super().reject()

    def done(self, result: int) -> None:
        # Closed (and deleted soon): an answer still on its way goes to the window only.
        self._left = True
        super().done(result)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if not self.checking and _dropped_file(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = _dropped_file(event)
        if path is not None and not self.checking:
            event.acceptProposedAction()
            self.open_file(path)


def _dropped_file(event: QDragEnterEvent | QDropEvent) -> Path | None:
    urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
    if len(urls) != 1 or not urls[0].isLocalFile():
        return None
    path = Path(urls[0].toLocalFile())
    return path if path.suffix.lower() in wording.SPREADSHEET_SUFFIXES else None
