"""Reference data (patients, sites, items and kits) copied into the local cache, for the outbox
controller (outbox_controller.py): the core's `ReferenceRefresher` (sync/reference.py) runs on
the bridge's loop, one refresh at a time, and its progress and end come back to the UI thread
as the controller's `reference_progress` and `reference_refreshed`.

Whether a refresh may start at all (no new key or route waiting, a key set) is the
controller's to decide; this part starts it, cancels it, and tells the controller when it
has ended (a new key or route waits for that).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from impilo_desktop.api.errors import ImpiloError

if TYPE_CHECKING:
    from impilo_desktop.store import ReferenceKind
    from impilo_desktop.sync.reference import ReferenceRefresher, RefreshReport
    from impilo_desktop.ui.plumbing.bridge import Job
    from impilo_desktop.ui.plumbing.outbox_controller import OutboxController
    from impilo_desktop.ui.plumbing.services import AppServices

log = logging.getLogger(__name__)


class ReferenceRefresh(QObject):
    """Reference-data refreshes for `OutboxController` (its child, on the UI thread)."""

    # From the sync thread to the UI thread (queued: this object lives on the UI thread).
    _progress_hop = Signal(str, int, int)

    def __init__(self, outbox: OutboxController, services: AppServices) -> None:
        super().__init__(outbox)
        self._outbox = outbox
        self._services = services
        # Made on the bridge loop when first used (after the first paint), as the sender is:
        # with them come the API client and httpx, ~150 modules the window's start does
        # not need.
        self._made_refresher: ReferenceRefresher | None = None
        self._job: Job | None = None
        self._progress_hop.connect(self._on_progress)

    @property
    def running(self) -> bool:
        """A refresh is on its way."""
        return self._job is not None and not self._job.done()

    def refresh(self) -> None:
        """Start a refresh, unless one is running."""
        if self.running:
            return

        def progress(kind: ReferenceKind, done: int, total: int) -> None:
            self._progress_hop.emit(kind.value, done, total)

        async def refresh() -> RefreshReport:
            # On the loop: the refresher is made there (with its imports) on first use.
            return await self._refresher.refresh(progress=progress)

        self._job = self._services.bridge.submit(
            self._outbox.tracked(refresh()),
            on_result=self._on_refreshed,
            on_error=self._on_refresh_error,
        )

    def cancel(self) -> None:
        """Stop the refresh running (pages already stored are kept)."""
        if self._job is not None and not self._job.done():
            self._job.cancel()
            self._job = None
            self._outbox.reference_refreshed.emit(False)
            # A cancelled job calls back neither way: a new key or route waiting for this
            # refresh to end would wait for good, and no drain would start meanwhile.
            self._outbox.maybe_restart()

    def resume(self) -> None:
        """On the bridge loop: a refresher told to stop (`stop_after_page`) refreshes again."""
        self._refresher.resume()

    def stop_after_page(self) -> None:
        """On the bridge loop: a refresh under way ends after its page; with no refresher
        made yet there is none (and none is made, with its imports, to be told so)."""
        if self._made_refresher is not None:
            self._made_refresher.stop_after_page()

    @property
    def _refresher(self) -> ReferenceRefresher:
        """On the bridge loop: the reference refresher, made on first use."""
        if self._made_refresher is None:
            from impilo_desktop.sync.reference import ReferenceRefresher

            self._made_refresher = ReferenceRefresher(
                self._services.store,
                self._outbox.client_context,
                connectivity=self._outbox.connectivity,
            )
        return self._made_refresher

    @Slot(str, int, int)
    def _on_progress(self, kind: str, done: int, total: int) -> None:
        self._outbox.reference_progress.emit(kind, done, total)

    def _on_refreshed(self, _report: object) -> None:
        self._outbox.reference_refreshed.emit(True)
        self._outbox.maybe_restart()

    def _on_refresh_error(self, error: BaseException) -> None:
        if not isinstance(error, ImpiloError):
            log.error("Reference refresh failed", exc_info=error)
        self._outbox.reference_refreshed.emit(False)
        self._outbox.maybe_restart()
