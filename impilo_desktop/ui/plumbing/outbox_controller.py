"""The outbox and reference data, driven from the window: the core's `OutboxSender`,
`ReferenceRefresher` and `Connectivity` run on the bridge's loop; this QObject schedules
them and turns their news into Qt signals on the UI thread.

Cadence: a drain right after every submit; a periodic drain while online. The online light
comes from every exchange of the shared client, and a light probe only when nothing was heard
for a while (`sync/probe.py`: soon after a change, backing off while nothing changes). Once
Impilo answers again, orders that waited only for the network are sent at once; those waiting
out a time the server asked for (429, 5xx with Retry-After) keep it.
Nothing is probed while the key is refused, until a new key arrives.

Nothing here touches the store on the UI thread: every read and write is a call on the
bridge's loop, and the counts the window shows come from an `OutboxSummary` read there after
each change (`entries_changed` fires when a fresh one has arrived).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from impilo_desktop.api.errors import ImpiloError
from impilo_desktop.api.retry import RetryPolicy
from impilo_desktop.domain.draft import OrderDraft
from impilo_desktop.store import OutboxEntry, OutboxSummary, StoreError
from impilo_desktop.sync.connectivity import NO_CONNECTION, Connectivity, ConnectivityState
from impilo_desktop.sync.drain_report import (
    ANOTHER_SENDER,
    API_KEY_REJECTED,
    DrainReport,
    EntryResult,
    Outcome,
    StopReason,
)
from impilo_desktop.sync.probe import ConnectionProbe
from impilo_desktop.ui.plumbing.bridge import Job
from impilo_desktop.ui.plumbing.patient_change_controller import PatientChangeController

if TYPE_CHECKING:
    from impilo_desktop.store import ReferenceKind
    from impilo_desktop.sync.reference import ReferenceRefresher, RefreshReport
    from impilo_desktop.sync.sender import OutboxSender
    from impilo_desktop.ui.plumbing.services import AppServices

log = logging.getLogger(__name__)
T = TypeVar("T")

DRAIN_INTERVAL_MS = 30_000
MAX_RETRY_WAIT_MS = 5 * 60_000
BUSY_ELSEWHERE = (
    f"{ANOTHER_SENDER} (a sync started from the command line, perhaps). Whatever it leaves"
    " is sent from here once it has finished."
)


class OutboxController(QObject):
    """Sends the outbox in the background and reports what happens.

    Signals (all on the UI thread): `entries_changed()`, `progress(done, total)` while a
    drain runs, `entry_sent(entry)`, `entry_rejected(entry)`, `connectivity_changed(state)`
    with state "unknown" | "online" | "offline" | "untrusted" | "proxy" | "unauthorized",
    `key_rejected(message)`, `reference_progress(kind, done, total)`,
    `reference_refreshed(ok)`, `busy_elsewhere(message)` when a person asked to send and
    another copy of the app (a `sync` from the command line) holds the sender lock, and
    `send_stopped(report)` when a drain a person asked for stopped short (no connection, the
    key refused) so that they can be told why. Address and phone corrections have their
    own part, `corrections` (patient_change_controller.py), with their own signals.
    """

    entries_changed = Signal()
    progress = Signal(int, int)
    entry_sent = Signal(object)
    entry_rejected = Signal(object)
    connectivity_changed = Signal(str)
    key_rejected = Signal(str)
    reference_progress = Signal(str, int, int)
    reference_refreshed = Signal(bool)
    drain_finished = Signal(object)
    busy_elsewhere = Signal(str)
    send_stopped = Signal(object)  # DrainReport

    # Hops from the sync thread to the UI thread (queued: this object lives on the UI thread).
    _connectivity_hop = Signal(str, str)
    _progress_hop = Signal(int, int)
    _result_hop = Signal(object, object)  # EntryResult, OutboxEntry | None
    _reference_hop = Signal(str, int, int)

    def __init__(self, services: AppServices, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self.connectivity = Connectivity()
        self._unsubscribe = self.connectivity.subscribe(
            lambda state, message: self._connectivity_hop.emit(state.value, message)
        )
        # The sender and the refresher are made on the bridge loop when first used (after
        # the first paint): with them come the API client and httpx, ~150 modules the
        # window's start does not need.
        self._made_sender: OutboxSender | None = None
        self._made_refresher: ReferenceRefresher | None = None
        # Lives on the bridge loop: the client tells it of every exchange (`heard`).
        self.probe = ConnectionProbe(self._check_connection, self.connectivity)
        self._connectivity_hop.connect(self._on_connectivity)
        self._progress_hop.connect(self._on_progress)
        self._result_hop.connect(self._on_result)
        self._reference_hop.connect(self._on_reference_progress)
        self.corrections = PatientChangeController(self, services)

        self._timer = QTimer(self)
        self._timer.setObjectName("outboxTimer")
        self._timer.timeout.connect(self._tick)
        self._retry_timer = QTimer(self)
        self._retry_timer.setObjectName("outboxRetryTimer")
        self._retry_timer.setSingleShot(True)
        self._retry_timer.timeout.connect(self.drain)
        for timer in (self._timer, self._retry_timer):
            # Orders wait on these: no slack for the OS to coalesce them into later wake-ups
            # (macOS adds it to coarse timers). App Nap, which slows a hidden app's timers
            # anyway, is switched off in the macOS bundle (NSAppSleepDisabled).
            timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._drain_job: Job | None = None
        self._refresh_job: Job | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._restart_pending = False
        # None: no follow-up; else its (due_only, waiting_for_network).
        self._again: tuple[bool, bool] | None = None
        # A person asked to send (Send now): the next drain's lock_busy is said, not ignored.
        self._asked = False
        self._running = False
        self._state = ConnectivityState.UNKNOWN.value
        self._message = ""
        self._summary = OutboxSummary()
        self._summary_job: Job | None = None
        # Summaries are numbered as they are read (on the loop thread, so in order); one read
        # earlier than the one on screen never replaces it, whatever order they arrive in.
        self._reads = itertools.count(1)
        self._shown_read = 0
        self.last_report: DrainReport | None = None

    # -- life cycle ---------------------------------------------------------------------------

    def start(self, *, refresh_references: bool = True) -> None:
        """Begin: refresh reference data, send what waits, then keep an eye on things."""
        if self._running:
            return
        self._running = True
        # A controller stopped before (its refresh told to end) refreshes again.
        self._on_loop(lambda: self._refresher.resume())

        def first_summary(read: tuple[int, OutboxSummary]) -> None:
            self._on_summary(read)
            if read[1].paused == API_KEY_REJECTED:
                # The key was refused last time: say so instead of retrying with it.
                self.connectivity.set(ConnectivityState.UNAUTHORIZED, read[1].paused)

        self._services.bridge.call(
            self._read_summary, on_result=first_summary, on_error=self.store_problem
        )
        if refresh_references:
            self.refresh_references()
        self.drain(due_only=False)
        self._timer.start(DRAIN_INTERVAL_MS)
        self._services.bridge.submit(self._tracked(self.probe.run()))

    def stop(self) -> None:
        """Start nothing more (the store keeps every state). Work in flight is left to end
        by itself: whoever closes the profile gives it a grace period, then awaits
        `aclose()` on the bridge loop, which cancels what is left. Cancelling a request
        while it connects leaks its socket, and a drain cut short leaves an entry in doubt."""
        self._running = False
        self._timer.stop()
        self._retry_timer.stop()
        self._unsubscribe()
        self._on_loop(self.probe.stop)  # it sleeps until its next probe otherwise
        # A reference refresh ends after its page in flight, not after its last page.
        self._on_loop(self._stop_refresh_after_page)

    async def aclose(self) -> None:
        """On the bridge loop: cancel this controller's tasks and wait until they ended, so
        nothing touches the store afterwards."""
        tasks = [t for t in self._tasks if not t.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _tracked(self, coro: Coroutine[Any, Any, T]) -> T:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            return await coro
        finally:
            if task is not None:
                self._tasks.discard(task)

    @property
    def state(self) -> str:
        """The connectivity state last reported (see `connectivity_changed`)."""
        return self._state

    @property
    def state_message(self) -> str:
        return self._message

    @property
    def sending(self) -> bool:
        """A drain is on its way, or its report has not reached this thread yet: until then a
        new drain must not start, or the late report would be taken for the new one's."""
        return self._drain_job is not None and not self._drain_job.future.cancelled()

    @property
    def refreshing(self) -> bool:
        """A reference-data refresh is running."""
        return self._refresh_job is not None and not self._refresh_job.done()

    @property
    def summary(self) -> OutboxSummary:
        """The outbox as last read (see `entries_changed`)."""
        return self._summary

    # -- what the window calls ----------------------------------------------------------------

    def submit(
        self,
        draft: OrderDraft,
        on_queued: Callable[[OutboxEntry], None] | None = None,
        on_failed: Callable[[BaseException], None] | None = None,
        *,
        new_patient_confirmed: bool = False,
    ) -> None:
        """Move a validated draft into the outbox (one transaction, on the bridge loop, after
        any autosave already asked for) and start sending it. `on_queued(entry)` or
        `on_failed(error)` follow on the UI thread. `new_patient_confirmed`: see
        `Store.enqueue`."""
        server = self._services.profile.base_url

        def queued(entry: OutboxEntry) -> None:
            self.drain(due_only=False)  # first, so `sending` already tells the truth
            if on_queued is not None:
                on_queued(entry)
            self.changed()

        # Validated once, by the page that submits it (with the whole catalog).
        self._services.bridge.call(
            lambda: self._services.store.enqueue(
                draft, server=server, validate=False, new_patient_confirmed=new_patient_confirmed
            ),
            on_result=queued,
            on_error=on_failed or self.store_problem,
        )

    def send_now(self) -> None:
        """Try every waiting entry now, ignoring the retry schedule. A person asked, from
        whichever page or the quit question: if nothing can be sent (no key, a refused key,
        no connection) `send_stopped` says why, if another copy is sending `busy_elsewhere`."""
        if not self._services.api_key():
            self.send_stopped.emit(DrainReport(stopped=StopReason.NO_KEY))
            return
        if self._state == ConnectivityState.UNAUTHORIZED.value:
            self.send_stopped.emit(DrainReport(paused=API_KEY_REJECTED))
            return
        self._asked = True
        self.drain(due_only=False)

    def pending_count(self) -> int:
        """Entries the app will still send by itself (queued, sending, in doubt)."""
        return self._summary.pending

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

    def attention_count(self) -> int:
        """Entries waiting for the coordinator: refused by Impilo, or held."""
        return self._summary.attention

    def release(self, entry_id: int) -> None:
        """The coordinator confirmed a held entry: send it (to the profile's server)."""
        server = self._services.profile.base_url

        def released(_entry: OutboxEntry) -> None:
            self.changed()
            self.drain(due_only=False)

        self._services.bridge.call(
            lambda: self._services.store.release_held(entry_id, server=server),
            on_result=released,
            on_error=self.store_problem,
        )

    def changed(self) -> None:
        """Something changed the outbox: read the summary again (then `entries_changed`)."""
        if self._summary_job is not None and not self._summary_job.done():
            self._summary_job.cancel()  # a newer read is on its way
        self._summary_job = self._services.bridge.call(
            self._read_summary, on_result=self._on_summary, on_error=self.store_problem
        )

    def _read_summary(self) -> tuple[int, OutboxSummary]:
        """On the loop thread: the summary, numbered in the order of reading."""
        return next(self._reads), self._services.store.outbox_summary()

    def _on_summary(self, read: tuple[int, OutboxSummary]) -> None:
        number, summary = read
        if number < self._shown_read:
            return  # an older picture than the one shown
        self._shown_read = number
        self._summary = summary
        self.entries_changed.emit()

    def store_problem(self, error: BaseException) -> None:
        if self._running and isinstance(error, StoreError):
            log.warning("Outbox store problem: %s", error)
        elif self._running:
            log.error("Outbox store call failed", exc_info=error)

    def key_replaced(self) -> None:
        """The key was saved, replaced or removed. Work already on its way finishes with the
        old key (cancelling a request while it connects leaks its socket); then the client
        is replaced, the pause lifted and, with a key, the connection checked and the
        outbox sent. Meanwhile nothing new starts and a refusal of the old key is ignored."""
        self._restart_pending = True
        self._retry_timer.stop()
        self._again = None
        self._maybe_restart()

    def network_changed(self) -> None:
        """The proxy setting changed: the same restart as after a new key. Work on its way
        finishes on the old client; then a client is made along the new route and the
        connection checked (and, once online, the outbox sent)."""
        self.key_replaced()

    def set_window_shown(self, shown: bool) -> None:
        """The window was shown, or minimised or hidden: the light's probe asks only while
        somebody can see the light (its 15 s promises hold while the window is visible)."""
        self._on_loop(lambda: self.probe.set_paused(not shown))

    def set_probe_schedule(self, schedule: RetryPolicy) -> None:
        """Wait between probes as `schedule` says (tests use short, jitter-free waits)."""
        self._on_loop(lambda: self.probe.set_schedule(schedule))

    def _on_loop(self, step: Callable[[], None]) -> None:
        """Run `step` on the bridge loop, where the probe lives."""
        loop = self._services.bridge.loop
        if not loop.is_closed():
            loop.call_soon_threadsafe(step)

    def _busy(self) -> bool:
        refreshing = self._refresh_job is not None and not self._refresh_job.done()
        return self.sending or refreshing

    def _maybe_restart(self) -> None:
        if not self._restart_pending or self._busy():
            return
        self._restart_pending = False
        self._services.reset_client()
        # Lifted on the loop before the drain below is (calls run in order there).
        self._services.bridge.call(self._services.store.resume_outbox, on_error=self.store_problem)
        self.connectivity.set(ConnectivityState.UNKNOWN)
        if not self._services.api_key():
            self.changed()
            return
        self._on_loop(self.probe.wake)
        self.refresh_references()
        self.drain(due_only=False)

    def refresh_references(self) -> None:
        """Copy patients, sites, items and kits into the local cache (with progress)."""
        if self._refresh_job is not None and not self._refresh_job.done():
            return
        if self._restart_pending or not self._services.api_key():
            return

        def progress(kind: ReferenceKind, done: int, total: int) -> None:
            self._reference_hop.emit(kind.value, done, total)

        async def refresh() -> RefreshReport:
            # On the loop: the refresher is made there (with its imports) on first use.
            return await self._refresher.refresh(progress=progress)

        self._refresh_job = self._services.bridge.submit(
            self._tracked(refresh()),
            on_result=self._on_refreshed,
            on_error=self._on_refresh_error,
        )

    def cancel_refresh(self) -> None:
        """Stop the reference refresh (pages already stored are kept)."""
        if self._refresh_job is not None and not self._refresh_job.done():
            self._refresh_job.cancel()
            self._refresh_job = None
            self.reference_refreshed.emit(False)
            # A cancelled job calls back neither way: a new key or route waiting for this
            # refresh to end would wait for good, and no drain would start meanwhile.
            self._maybe_restart()

    def drain(self, due_only: bool = True, *, waiting_for_network: bool = False) -> None:
        """Send due entries on the bridge: all waiting entries with `due_only=False`, also
        those that waited only for the network with `waiting_for_network`."""
        if not self._running or self._restart_pending:
            return
        if self._state == ConnectivityState.UNAUTHORIZED.value or not self._services.api_key():
            return
        if self.sending:
            # One drain at a time; remember to go again (as eagerly as asked) when it ends.
            if self._again is not None:
                due_only = due_only and self._again[0]
                waiting_for_network = waiting_for_network or self._again[1]
            self._again = (due_only, waiting_for_network)
            return
        self._retry_timer.stop()
        asked, self._asked = self._asked, False

        def on_result(result: EntryResult) -> None:
            # On the loop thread: the entry is read here, the UI gets it with the result.
            self._result_hop.emit(result, self._settled_entry(result))

        async def drain_and_summarize() -> tuple[DrainReport, tuple[int, OutboxSummary]]:
            report = await self._sender.drain(
                due_only=due_only,
                waiting_for_network=waiting_for_network,
                progress=self._progress_hop.emit,
                on_result=on_result,
                on_change=self.corrections.sender_result,
            )
            return report, self._read_summary()

        self._drain_job = self._services.bridge.submit(
            self._tracked(drain_and_summarize()),
            on_result=lambda outcome: self._on_drained(outcome, asked=asked),
            on_error=self._on_drain_error,
        )

    # -- internals ------------------------------------------------------------------------------

    @property
    def _sender(self) -> OutboxSender:
        """On the bridge loop: the outbox's sender, made on first use."""
        if self._made_sender is None:
            from impilo_desktop.sync.sender import OutboxSender

            self._made_sender = OutboxSender(
                self._services.store, self._client_context, connectivity=self.connectivity
            )
        return self._made_sender

    def _stop_refresh_after_page(self) -> None:
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
                self._services.store, self._client_context, connectivity=self.connectivity
            )
        return self._made_refresher

    def _client_context(self) -> contextlib.AbstractAsyncContextManager:
        # The one shared client (it lives on the bridge loop; AppServices closes it).
        return contextlib.nullcontext(self._services.client())

    def _settled_entry(self, result: EntryResult) -> OutboxEntry | None:
        """On the loop thread: the entry a sent or refused result is about."""
        if result.outcome not in (Outcome.SENT, Outcome.ADOPTED, Outcome.REJECTED):
            return None
        try:
            return self._services.store.get_entry(result.entry_id)
        except StoreError:
            return None

    def _tick(self) -> None:
        if self._state == ConnectivityState.ONLINE.value:
            self.drain()

    async def _check_connection(self) -> bool:
        """On the loop: the probe's request, unless there is nothing to ask with (no key, a
        refused one, a new one about to be tried). Its answer reaches the probe through the
        client's observer."""
        if self._restart_pending or not self._running or not self._services.api_key():
            return False
        if self.connectivity.state == ConnectivityState.UNAUTHORIZED:
            return False
        await self._services.client().check_connection()
        return True

    @Slot(str, str)
    def _on_connectivity(self, state: str, message: str) -> None:
        if self._restart_pending and state == ConnectivityState.UNAUTHORIZED.value:
            return  # the old key, refused on its way out: the new one is about to be tried
        previous, self._state, self._message = self._state, state, message
        if state == previous:
            return
        log.info("Connectivity: %s", state)
        self.connectivity_changed.emit(state)
        if state == ConnectivityState.UNAUTHORIZED.value:
            self.key_rejected.emit(message or "Impilo rejected the API key.")
        elif state == ConnectivityState.ONLINE.value and (
            previous in NO_CONNECTION or previous == ConnectivityState.UNAUTHORIZED.value
        ):
            # Back online: whatever waited only for the network goes now, not at its backoff
            # time; an entry waiting out a time the server asked for keeps it.
            self.drain(waiting_for_network=True)

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        self.progress.emit(done, total)

    @Slot(object, object)
    def _on_result(self, result: EntryResult, entry: OutboxEntry | None) -> None:
        self.changed()
        if entry is None:
            return
        if result.outcome == Outcome.REJECTED:
            self.entry_rejected.emit(entry)
        else:
            self.entry_sent.emit(entry)

    @Slot(str, int, int)
    def _on_reference_progress(self, kind: str, done: int, total: int) -> None:
        self.reference_progress.emit(kind, done, total)

    def _on_refreshed(self, _report: object) -> None:
        self.reference_refreshed.emit(True)
        self._maybe_restart()

    def _on_refresh_error(self, error: BaseException) -> None:
        if not isinstance(error, ImpiloError):
            log.error("Reference refresh failed", exc_info=error)
        self.reference_refreshed.emit(False)
        self._maybe_restart()

    def _on_drained(
        self, outcome: tuple[DrainReport, tuple[int, OutboxSummary]], *, asked: bool
    ) -> None:
        """A drain's report, `asked` if a person asked for that drain (Send now)."""
        self._drain_job = None
        report, read = outcome
        if read[0] >= self._shown_read:
            self._shown_read, self._summary = read
        self.last_report = report
        if report.lock_busy and asked:
            self.busy_elsewhere.emit(BUSY_ELSEWHERE)
        elif asked and (report.stopped or report.paused):
            self.send_stopped.emit(report)
        if self._restart_pending:
            self._again = None
            self.entries_changed.emit()
            self.drain_finished.emit(report)
            self._maybe_restart()
            return
        again, self._again = self._again, None
        if again is not None:
            # Start the follow-up first, so listeners see `sending` is still true.
            self.drain(due_only=again[0], waiting_for_network=again[1])
        else:
            self._schedule_retry()
        self.progress.emit(report.total, report.total)
        self.entries_changed.emit()
        self.drain_finished.emit(report)

    def _on_drain_error(self, error: BaseException) -> None:
        self._drain_job = None
        log.error("Sending the outbox failed", exc_info=error)
        self.progress.emit(0, 0)
        self.changed()
        self._again = None
        self._maybe_restart()

    def _schedule_retry(self) -> None:
        due = self._summary.next_due_at
        if due is None or not self._running:
            return
        wait_ms = max(0, min(MAX_RETRY_WAIT_MS, int((due - time.time()) * 1000)))
        if self._state == ConnectivityState.ONLINE.value:
            self._retry_timer.start(max(wait_ms, 250))
