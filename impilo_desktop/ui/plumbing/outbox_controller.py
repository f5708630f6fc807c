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

This module holds the controller's signals, its life cycle, what the window calls, the online
light and the restart after a new key or route; its parts hold the rest: the send loop
(outbox_sending.py), the timers that start drains by themselves (outbox_pacing.py), the counts
(outbox_counts.py), the reference data (reference_refresh.py) and the address and phone
corrections (patient_change_controller.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Signal, Slot

from impilo_desktop.store import StoreError
from impilo_desktop.sync.connectivity import NO_CONNECTION, Connectivity, ConnectivityState
from impilo_desktop.sync.drain_report import API_KEY_REJECTED, DrainReport, StopReason
from impilo_desktop.sync.probe import ConnectionProbe
from impilo_desktop.ui.plumbing.outbox_counts import OutboxCounts
from impilo_desktop.ui.plumbing.outbox_pacing import DrainPacing
from impilo_desktop.ui.plumbing.outbox_sending import OutboxSending
from impilo_desktop.ui.plumbing.patient_change_controller import PatientChangeController
from impilo_desktop.ui.plumbing.reference_refresh import ReferenceRefresh

if TYPE_CHECKING:
    from impilo_desktop.api.retry import RetryPolicy
    from impilo_desktop.domain.draft import OrderDraft
    from impilo_desktop.store import OutboxEntry, OutboxSummary
    from impilo_desktop.ui.plumbing.outbox_counts import SummaryRead
    from impilo_desktop.ui.plumbing.services import AppServices

log = logging.getLogger(__name__)
T = TypeVar("T")


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

    def __init__(self, services: AppServices, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self.connectivity = Connectivity()
        self._unsubscribe = self.connectivity.subscribe(
            lambda state, message: self._connectivity_hop.emit(state.value, message)
        )
        # Lives on the bridge loop: the client tells it of every exchange (`heard`).
        self.probe = ConnectionProbe(self._check_connection, self.connectivity)
        self._connectivity_hop.connect(self._on_connectivity)
        self.corrections = PatientChangeController(self, services)
        self.counts = OutboxCounts(
            services, arrived=self.entries_changed.emit, failed=self.store_problem
        )
        self.pacing = DrainPacing(self, tick=self._tick, retry=self.drain)
        self._sending = OutboxSending(self, services)
        self._references = ReferenceRefresh(self, services)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._restart_pending = False
        self._running = False
        self._state = ConnectivityState.UNKNOWN.value
        self._message = ""

    # -- life cycle ---------------------------------------------------------------------------

    def start(self, *, refresh_references: bool = True) -> None:
        """Begin: refresh reference data, send what waits, then keep an eye on things."""
        if self._running:
            return
        self._running = True
        # A controller stopped before (its refresh told to end) refreshes again.
        self._on_loop(self._references.resume)

        def first_summary(read: SummaryRead) -> None:
            self.counts.show(read)
            if read[1].paused == API_KEY_REJECTED:
                # The key was refused last time: say so instead of retrying with it.
                self.connectivity.set(ConnectivityState.UNAUTHORIZED, read[1].paused)

        self._services.bridge.call(
            self.counts.read, on_result=first_summary, on_error=self.store_problem
        )
        if refresh_references:
            self.refresh_references()
        self.drain(due_only=False)
        self.pacing.start()
        self._services.bridge.submit(self.tracked(self.probe.run()))

    def stop(self) -> None:
        """Start nothing more (the store keeps every state). Work in flight is left to end
        by itself: whoever closes the profile gives it a grace period, then awaits
        `aclose()` on the bridge loop, which cancels what is left. Cancelling a request
        while it connects leaks its socket, and a drain cut short leaves an entry in doubt."""
        self._running = False
        self.pacing.stop()
        self._unsubscribe()
        self._on_loop(self.probe.stop)  # it sleeps until its next probe otherwise
        # A reference refresh ends after its page in flight, not after its last page.
        self._on_loop(self._references.stop_after_page)

    async def aclose(self) -> None:
        """On the bridge loop: cancel this controller's tasks and wait until they ended, so
        nothing touches the store afterwards."""
        tasks = [t for t in self._tasks if not t.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def tracked(self, coro: Coroutine[Any, Any, T]) -> T:
        """On the bridge loop: `coro`, as one of the tasks `aclose` cancels."""
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            return await coro
        finally:
            if task is not None:
                self._tasks.discard(task)

    @property
    def running(self) -> bool:
        """Started and not stopped: drains may start."""
        return self._running

    @property
    def restart_pending(self) -> bool:
        """A new key or route waits for the work on its way to end (see `key_replaced`)."""
        return self._restart_pending

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
        return self._sending.sending

    @property
    def refreshing(self) -> bool:
        """A reference-data refresh is running."""
        return self._references.running

    @property
    def summary(self) -> OutboxSummary:
        """The outbox as last read (see `entries_changed`)."""
        return self.counts.summary

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
        self._sending.asked = True
        self.drain(due_only=False)

    def pending_count(self) -> int:
        """Entries the app will still send by itself (queued, sending, in doubt)."""
        return self.counts.summary.pending

    def count_pending(self, answer: Callable[[int, int], None]) -> None:
        """`answer(pending, corrections)` from the outbox read now (`OutboxCounts`)."""
        self.counts.count_pending(answer)

    def attention_count(self) -> int:
        """Entries waiting for the coordinator: refused by Impilo, or held."""
        return self.counts.summary.attention

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
        self.counts.reread()

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
        self.pacing.cancel_retry()
        self._sending.forget_follow_up()
        self.maybe_restart()

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

    def maybe_restart(self) -> None:
        """Once no drain or refresh is on its way, restart with the new key or route."""
        if not self._restart_pending or self.sending or self.refreshing:
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
        if self._restart_pending or not self._services.api_key():
            return
        self._references.refresh()

    def cancel_refresh(self) -> None:
        """Stop the reference refresh (pages already stored are kept)."""
        self._references.cancel()

    def drain(self, due_only: bool = True, *, waiting_for_network: bool = False) -> None:
        """Send due entries on the bridge: all waiting entries with `due_only=False`, also
        those that waited only for the network with `waiting_for_network`."""
        if not self._running or self._restart_pending:
            return
        if self._state == ConnectivityState.UNAUTHORIZED.value or not self._services.api_key():
            return
        self._sending.drain(due_only, waiting_for_network)

    # -- for its parts ---------------------------------------------------------------------------

    def client_context(self) -> contextlib.AbstractAsyncContextManager:
        """The one shared client, for the sender and the refresher (it lives on the bridge
        loop; AppServices closes it)."""
        return contextlib.nullcontext(self._services.client())

    # -- internals ------------------------------------------------------------------------------

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
