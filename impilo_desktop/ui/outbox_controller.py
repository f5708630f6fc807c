"""The outbox and reference data, driven from the window: the core's `OutboxSender`,
`ReferenceRefresher` and `Connectivity` run on the bridge's loop; this QObject schedules
them and turns their news into Qt signals on the UI thread.

Cadence: a drain right after every submit; a periodic drain while online; a cheap probe
while offline (and, once Impilo answers again, a drain that ignores the backoff schedule so
waiting orders leave at once); nothing while the key is refused, until a new key arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from impilo_desktop.api.errors import ImpiloError
from impilo_desktop.domain.draft import OrderDraft
from impilo_desktop.store import PENDING_STATES, EntryState, OutboxEntry, StoreError
from impilo_desktop.sync import (
    API_KEY_REJECTED,
    NO_CONNECTION,
    Connectivity,
    ConnectivityState,
    DrainReport,
    EntryResult,
    OutboxSender,
    Outcome,
    ReferenceRefresher,
)
from impilo_desktop.ui.bridge import Job

if TYPE_CHECKING:
    from impilo_desktop.store import ReferenceKind
    from impilo_desktop.ui.services import AppServices

log = logging.getLogger(__name__)
T = TypeVar("T")

DRAIN_INTERVAL_MS = 30_000
PROBE_INTERVAL_MS = 15_000
MAX_RETRY_WAIT_MS = 5 * 60_000


class OutboxController(QObject):
    """Sends the outbox in the background and reports what happens.

    Signals (all on the UI thread): `entries_changed()`, `progress(done, total)` while a
    drain runs, `entry_sent(entry)`, `entry_rejected(entry)`, `connectivity_changed(state)`
    with state "unknown" | "online" | "offline" | "untrusted" | "proxy" | "unauthorized",
    `key_rejected(message)`, `reference_progress(kind, done, total)` and
    `reference_refreshed(ok)`.
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

    # Hops from the sync thread to the UI thread (queued: this object lives on the UI thread).
    _connectivity_hop = Signal(str, str)
    _progress_hop = Signal(int, int)
    _result_hop = Signal(object)
    _reference_hop = Signal(str, int, int)

    def __init__(self, services: AppServices, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self.connectivity = Connectivity()
        self._unsubscribe = self.connectivity.subscribe(
            lambda state, message: self._connectivity_hop.emit(state.value, message)
        )
        self._sender = OutboxSender(
            services.store, self._client_context, connectivity=self.connectivity
        )
        self._refresher = ReferenceRefresher(
            services.store, self._client_context, connectivity=self.connectivity
        )
        self._connectivity_hop.connect(self._on_connectivity)
        self._progress_hop.connect(self._on_progress)
        self._result_hop.connect(self._on_result)
        self._reference_hop.connect(self._on_reference_progress)

        self._timer = QTimer(self)
        self._timer.setObjectName("outboxTimer")
        self._timer.timeout.connect(self._tick)
        self._retry_timer = QTimer(self)
        self._retry_timer.setSingleShot(True)
        self._retry_timer.timeout.connect(self.drain)
        self._drain_job: Job | None = None
        self._probe_job: Job | None = None
        self._refresh_job: Job | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._restart_pending = False
        self._again: bool | None = None  # None: no follow-up; else its due_only
        self._running = False
        self._state = ConnectivityState.UNKNOWN.value
        self._message = ""
        self.last_report: DrainReport | None = None

    # -- life cycle ---------------------------------------------------------------------------

    def start(self, *, refresh_references: bool = True) -> None:
        """Begin: refresh reference data, send what waits, then keep an eye on things."""
        if self._running:
            return
        self._running = True
        paused = self._safe(self._services.store.outbox_paused)
        if paused == API_KEY_REJECTED:
            # The key was refused last time: say so at once instead of retrying with it.
            self.connectivity.set(ConnectivityState.UNAUTHORIZED, paused)
        if refresh_references:
            self.refresh_references()
        self.drain(due_only=False)
        self._timer.start(DRAIN_INTERVAL_MS)

    def stop(self) -> None:
        """Stop timers and ask background work to end (the store keeps every state).
        Await `aclose()` on the bridge loop to be sure it has ended."""
        self._running = False
        self._timer.stop()
        self._retry_timer.stop()
        for job in (self._drain_job, self._probe_job, self._refresh_job):
            if job is not None:
                job.cancel()
        self._unsubscribe()

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
        return self._drain_job is not None and not self._drain_job.done()

    # -- what the window calls ----------------------------------------------------------------

    def submit(self, draft: OrderDraft) -> OutboxEntry:
        """Move a valid draft into the outbox (one transaction) and start sending it."""
        entry = self._services.store.enqueue(draft, server=self._services.profile.base_url)
        self.entries_changed.emit()
        self.drain(due_only=False)
        return entry

    def send_now(self) -> None:
        """Try every waiting entry now, ignoring the retry schedule."""
        self.drain(due_only=False)

    def pending_count(self) -> int:
        """Entries the app will still send by itself (queued, sending, in doubt)."""
        return self._safe(lambda: self._services.store.count_outbox(PENDING_STATES)) or 0

    def attention_count(self) -> int:
        """Entries waiting for the coordinator: refused by Impilo, or held for their age."""
        states = (EntryState.REJECTED, EntryState.HELD)
        return self._safe(lambda: self._services.store.count_outbox(states)) or 0

    def release(self, entry_id: int) -> OutboxEntry:
        """The coordinator confirmed a held entry: send it."""
        entry = self._services.store.release_held(entry_id, server=self._services.profile.base_url)
        self.entries_changed.emit()
        self.drain(due_only=False)
        return entry

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

    def _busy(self) -> bool:
        jobs = (self._drain_job, self._probe_job, self._refresh_job)
        return any(job is not None and not job.done() for job in jobs)

    def _maybe_restart(self) -> None:
        if not self._restart_pending or self._busy():
            return
        self._restart_pending = False
        self._services.reset_client()
        self._safe(self._services.store.resume_outbox)
        self.connectivity.set(ConnectivityState.UNKNOWN)
        if not self._services.api_key():
            self.entries_changed.emit()
            return
        self._probe()
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

        self._refresh_job = self._services.bridge.submit(
            self._tracked(self._refresher.refresh(progress=progress)),
            on_result=self._on_refreshed,
            on_error=self._on_refresh_error,
        )

    def cancel_refresh(self) -> None:
        """Stop the reference refresh (pages already stored are kept)."""
        if self._refresh_job is not None and not self._refresh_job.done():
            self._refresh_job.cancel()
            self._refresh_job = None
            self.reference_refreshed.emit(False)

    def drain(self, due_only: bool = True) -> None:
        """Send due entries (all waiting entries with `due_only=False`) on the bridge."""
        if not self._running or self._restart_pending:
            return
        if self._state == ConnectivityState.UNAUTHORIZED.value or not self._services.api_key():
            return
        if self.sending:
            # One drain at a time; remember to go again (as eagerly as asked) when it ends.
            self._again = due_only if self._again is None else (self._again and due_only)
            return
        self._retry_timer.stop()
        self._drain_job = self._services.bridge.submit(
            self._tracked(
                self._sender.drain(
                    due_only=due_only,
                    progress=self._progress_hop.emit,
                    on_result=self._result_hop.emit,
                )
            ),
            on_result=self._on_drained,
            on_error=self._on_drain_error,
        )

    # -- internals ------------------------------------------------------------------------------

    def _client_context(self) -> contextlib.AbstractAsyncContextManager:
        # The one shared client (it lives on the bridge loop; AppServices closes it).
        return contextlib.nullcontext(self._services.client())

    def _safe(self, func):  # type: ignore[no-untyped-def]
        try:
            return func()
        except StoreError as exc:
            if self._running:  # after stop() the store is closing: nothing to report
                log.warning("Outbox store problem: %s", exc)
            return None

    def _tick(self) -> None:
        if self._state in NO_CONNECTION or self._state == ConnectivityState.UNKNOWN.value:
            self._probe()
        elif self._state == ConnectivityState.ONLINE.value:
            self.drain()

    def _probe(self) -> None:
        if (self._probe_job is not None and not self._probe_job.done()) or self.sending:
            return
        if self._restart_pending or not self._services.api_key():
            return

        async def probe() -> None:
            try:
                await self._services.client().list_sites(page=1, size=1)
            except ImpiloError as error:
                self.connectivity.report_error(error)
            else:
                self.connectivity.report_success()

        self._probe_job = self._services.bridge.submit(
            self._tracked(probe()),
            on_result=lambda _none: self._maybe_restart(),
            on_error=lambda _error: self._maybe_restart(),
        )

    @Slot(str, str)
    def _on_connectivity(self, state: str, message: str) -> None:
        if self._restart_pending and state == ConnectivityState.UNAUTHORIZED.value:
            return  # the old key, refused on its way out: the new one is about to be tried
        previous, self._state, self._message = self._state, state, message
        if state == previous:
            return
        log.info("Connectivity: %s", state)
        self._timer.setInterval(PROBE_INTERVAL_MS if state in NO_CONNECTION else DRAIN_INTERVAL_MS)
        self.connectivity_changed.emit(state)
        if state == ConnectivityState.UNAUTHORIZED.value:
            self.key_rejected.emit(message or "Impilo rejected the API key.")
        elif state == ConnectivityState.ONLINE.value and (
            previous in NO_CONNECTION or previous == ConnectivityState.UNAUTHORIZED.value
        ):
            # Back online: whatever waited for the network goes now, not at its backoff time.
            self.drain(due_only=False)

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        self.progress.emit(done, total)

    @Slot(object)
    def _on_result(self, result: EntryResult) -> None:
        self.entries_changed.emit()
        if result.outcome not in (Outcome.SENT, Outcome.ADOPTED, Outcome.REJECTED):
            return
        try:
            entry = self._services.store.get_entry(result.entry_id)
        except StoreError:
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

    def _on_drained(self, report: DrainReport) -> None:
        self.last_report = report
        if self._restart_pending:
            self._again = None
            self.entries_changed.emit()
            self.drain_finished.emit(report)
            self._maybe_restart()
            return
        again, self._again = self._again, None
        if again is not None:
            # Start the follow-up first, so listeners see `sending` is still true.
            self.drain(due_only=again)
        else:
            self._schedule_retry()
        self.progress.emit(report.total, report.total)
        self.entries_changed.emit()
        self.drain_finished.emit(report)

    def _on_drain_error(self, error: BaseException) -> None:
        log.error("Sending the outbox failed", exc_info=error)
        self.progress.emit(0, 0)
        self.entries_changed.emit()
        self._again = None
        self._maybe_restart()

    def _schedule_retry(self) -> None:
        due = self._safe(self._services.store.next_due_at)
        if due is None or not self._running:
            return
        wait_ms = max(0, min(MAX_RETRY_WAIT_MS, int((due - time.time()) * 1000)))
        if self._state == ConnectivityState.ONLINE.value:
            self._retry_timer.start(max(wait_ms, 250))
