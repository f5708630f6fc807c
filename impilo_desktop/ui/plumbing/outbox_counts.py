"""The outbox's counts as the window shows them (waiting to send, needing the coordinator's
attention, paused, next retry): an `OutboxSummary` read on the bridge's loop after every
change, never from the store on the UI thread, where a read can wait behind the sender's write
lock. The outbox controller (outbox_controller.py) asks for a fresh read and says
`entries_changed` when one has arrived; this part only keeps the reads in order.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING

from impilo_desktop.store import OutboxSummary

if TYPE_CHECKING:
    from impilo_desktop.ui.plumbing.bridge import Job
    from impilo_desktop.ui.plumbing.services import AppServices

# A summary as read: its number in the order of reading, and the summary.
SummaryRead = tuple[int, OutboxSummary]


class OutboxCounts:
    """The summary last read (`summary`), and fresh reads of it on the bridge loop."""

    def __init__(
        self,
        services: AppServices,
        *,
        arrived: Callable[[], None],
        failed: Callable[[BaseException], None],
    ) -> None:
        self._services = services
        self._arrived = arrived
        self._failed = failed
        self.summary = OutboxSummary()
        self._job: Job | None = None
        # Summaries are numbered as they are read (on the loop thread, so in order); one read
        # earlier than the one on screen never replaces it, whatever order they arrive in.
        self._reads = itertools.count(1)
        self._shown_read = 0

    def read(self) -> SummaryRead:
        """On the loop thread: the summary, numbered in the order of reading."""
        return next(self._reads), self._services.store.outbox_summary()

    def take(self, read: SummaryRead) -> bool:
        """Keep `read` unless the summary kept is a later one; whether it was kept."""
        number, summary = read
        if number < self._shown_read:
            return False  # an older picture than the one shown
        self._shown_read = number
        self.summary = summary
        return True

    def show(self, read: SummaryRead) -> None:
        """On the UI thread: keep `read` and, if kept, say so (`arrived`)."""
        if self.take(read):
            self._arrived()

    def reread(self) -> None:
        """Read the summary again on the loop, then `show` it."""
        if self._job is not None and not self._job.done():
            self._job.cancel()  # a newer read is on its way
        self._job = self._services.bridge.call(
            self.read, on_result=self.show, on_error=self._failed
        )

    def count_pending(self, answer: Callable[[int, int], None]) -> None:
        """Read the outbox now (on the bridge loop) and `answer(pending, corrections)` on the
        UI thread (`corrections`: how many of `pending` are address corrections); for
        decisions that must not rest on a summary a moment old, such as quitting."""

        store = self._services.store

        def read() -> tuple[int, int]:
            summary = store.outbox_summary()
            return summary.pending, summary.pending_corrections

        self._services.bridge.call(
            read,
            on_result=lambda counts: answer(*counts),
            # Unreadable: quit without asking; whatever waits stays on disk for next time.
            on_error=lambda _error: answer(0, 0),
        )
