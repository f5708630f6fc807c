"""The outbox's send loop, for the outbox controller (outbox_controller.py): one drain at a time
on the bridge's loop, with the core's `OutboxSender`; a drain asked for while one runs is
remembered and started when it ends (as eagerly as the most eager ask); each entry's result
and the drain's report come back to the UI thread as the controller's signals, and the next
retry is scheduled from the summary read with the report (outbox_pacing.py).

Whether a drain may start at all (running, no new key or route waiting, a key not refused)
is the controller's to decide; this part starts it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from impilo_desktop.store import StoreError
from impilo_desktop.sync.connectivity import ConnectivityState
from impilo_desktop.sync.drain_report import ANOTHER_SENDER, DrainReport, EntryResult, Outcome

if TYPE_CHECKING:
    from impilo_desktop.store import OutboxEntry
    from impilo_desktop.sync.sender import OutboxSender
    from impilo_desktop.ui.plumbing.bridge import Job
    from impilo_desktop.ui.plumbing.outbox_controller import OutboxController
    from impilo_desktop.ui.plumbing.outbox_counts import SummaryRead
    from impilo_desktop.ui.plumbing.services import AppServices

log = logging.getLogger(__name__)

BUSY_ELSEWHERE = (
    f"{ANOTHER_SENDER} (a sync started from the command line, perhaps). Whatever it leaves"
    " is sent from here once it has finished."
)


class OutboxSending(QObject):
    """Drains for `OutboxController` (its child, on the UI thread)."""

    # Hops from the sync thread to the UI thread (queued: this object lives on the UI thread).
    _progress_hop = Signal(int, int)
    _result_hop = Signal(object, object)  # EntryResult, OutboxEntry | None

    def __init__(self, outbox: OutboxController, services: AppServices) -> None:
        super().__init__(outbox)
        self._outbox = outbox
        self._services = services
        # Made on the bridge loop when first used (after the first paint): with it come the
        # API client and httpx, ~150 modules the window's start does not need.
        self._made_sender: OutboxSender | None = None
        self._job: Job | None = None
        # None: no follow-up; else its (due_only, waiting_for_network).
        self._again: tuple[bool, bool] | None = None
        # A person asked to send (Send now): the next drain's lock_busy is said, not ignored.
        self.asked = False
        self._progress_hop.connect(self._on_progress)
        self._result_hop.connect(self._on_result)

    @property
    def sending(self) -> bool:
        """A drain is on its way, or its report has not reached this thread yet: until then a
        new drain must not start, or the late report would be taken for the new one's."""
        return self._job is not None and not self._job.future.cancelled()

    def forget_follow_up(self) -> None:
        """No drain after the one running (a new key or route restarts the sending)."""
        self._again = None

    def drain(self, due_only: bool, waiting_for_network: bool) -> None:
        """Send due entries on the bridge: all waiting entries with `due_only=False`, also
        those that waited only for the network with `waiting_for_network`."""
        if self.sending:
            # One drain at a time; remember to go again (as eagerly as asked) when it ends.
            if self._again is not None:
                due_only = due_only and self._again[0]
                waiting_for_network = waiting_for_network or self._again[1]
            self._again = (due_only, waiting_for_network)
            return
        self._outbox.pacing.cancel_retry()
        asked, self.asked = self.asked, False
        counts = self._outbox.counts

        def on_result(result: EntryResult) -> None:
            # On the loop thread: the entry is read here, the UI gets it with the result.
            self._result_hop.emit(result, self._settled_entry(result))

        async def drain_and_summarize() -> tuple[DrainReport, SummaryRead]:
            report = await self._sender.drain(
                due_only=due_only,
                waiting_for_network=waiting_for_network,
                progress=self._progress_hop.emit,
                on_result=on_result,
                on_change=self._outbox.corrections.sender_result,
            )
            return report, counts.read()

        self._job = self._services.bridge.submit(
            self._outbox.tracked(drain_and_summarize()),
            on_result=lambda outcome: self._on_drained(outcome, asked=asked),
            on_error=self._on_drain_error,
        )

    @property
    def _sender(self) -> OutboxSender:
        """On the bridge loop: the outbox's sender, made on first use."""
        if self._made_sender is None:
            from impilo_desktop.sync.sender import OutboxSender

            self._made_sender = OutboxSender(
                self._services.store,
                self._outbox.client_context,
                connectivity=self._outbox.connectivity,
            )
        return self._made_sender

    def _settled_entry(self, result: EntryResult) -> OutboxEntry | None:
        """On the loop thread: the entry a sent or refused result is about."""
        if result.outcome not in (Outcome.SENT, Outcome.ADOPTED, Outcome.REJECTED):
            return None
        try:
            return self._services.store.get_entry(result.entry_id)
        except StoreError:
            return None

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        self._outbox.progress.emit(done, total)

    @Slot(object, object)
    def _on_result(self, result: EntryResult, entry: OutboxEntry | None) -> None:
        outbox = self._outbox
        outbox.changed()
        if entry is None:
            return
        if result.outcome == Outcome.REJECTED:
            outbox.entry_rejected.emit(entry)
        else:
            outbox.entry_sent.emit(entry)

    def _on_drained(self, outcome: tuple[DrainReport, SummaryRead], *, asked: bool) -> None:
        """A drain's report, `asked` if a person asked for that drain (Send now)."""
        outbox = self._outbox
        self._job = None
        report, read = outcome
        outbox.counts.take(read)
        if report.lock_busy and asked:
            outbox.busy_elsewhere.emit(BUSY_ELSEWHERE)
        elif asked and (report.stopped or report.paused):
            outbox.send_stopped.emit(report)
        if outbox.restart_pending:
            self._again = None
            outbox.entries_changed.emit()
            outbox.drain_finished.emit(report)
            outbox.maybe_restart()
            return
        again, self._again = self._again, None
        if again is not None:
            # Start the follow-up first, so listeners see `sending` is still true.
            outbox.drain(due_only=again[0], waiting_for_network=again[1])
        else:
            self._schedule_retry()
        outbox.progress.emit(report.total, report.total)
        outbox.entries_changed.emit()
        outbox.drain_finished.emit(report)

    def _on_drain_error(self, error: BaseException) -> None:
        outbox = self._outbox
        self._job = None
        log.error("Sending the outbox failed", exc_info=error)
        outbox.progress.emit(0, 0)
        outbox.changed()
        self._again = None
        outbox.maybe_restart()

    def _schedule_retry(self) -> None:
        due = self._outbox.counts.summary.next_due_at
        if due is None or not self._outbox.running:
            return
        if self._outbox.state == ConnectivityState.ONLINE.value:
            self._outbox.pacing.retry_when_due(due)
