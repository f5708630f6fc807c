"""Several creates in flight at once: the window, the batched `sending` marks and the tasks of
one drain (the protocol is sender.py's docstring, step 9; docs/architecture.md "Exactly once").

On loopback or a fast network a create is mostly waiting: for the server, and for the disk
to hold each `sending` mark before its request leaves. With up to four creates in flight,
that waiting overlaps, and the marks of the next few entries share one transaction (one
wait for the disk). Each entry's own work (what to post, what came of it) stays in
sender.py; this module only decides when each starts and reports what finished.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.models import Order, OrderCreate
from impilo_desktop.store import EntryNotFoundError, EntryState, OutboxEntry, SenderLockLost
from impilo_desktop.sync.drain_report import DrainReport, EntryResult, Outcome, StopReason
from impilo_desktop.sync.entry_outcomes import StopDrain, sent_mark
from impilo_desktop.sync.order_ref_check import needs_check
from impilo_desktop.sync.window import AHEAD, MARK_WAIT, QUICK, Window

if TYPE_CHECKING:
    from impilo_desktop.sync.sender import OutboxSender

log = logging.getLogger(__name__)


def goes_alone(entry: OutboxEntry) -> bool:
    """Whether the entry is worked through with nothing else in flight: an in-doubt entry
    (looked up by its reference first, once settled), a new patient's order (the
    duplicate-patient check must see the patients the drain's earlier orders created). A
    queued spreadsheet order joins the window: its order_ref is looked up just before its
    batch is marked `sending` (see `Pipeline._clear`)."""
    return entry.state != EntryState.QUEUED or entry.draft.is_new_patient_order


def refs_of(entry: OutboxEntry) -> frozenset[str]:
    return frozenset(ref.strip() for ref in entry.draft.external_order_ids if ref.strip())


class Pipeline:
    """One drain's orders, sent with up to `sender.in_flight` creates in flight; results go
    into `report` (and to `on_result`, `progress`) as they finish. `done`: how many the drain
    finished before these (its address corrections)."""

    def __init__(
        self,
        sender: OutboxSender,
        client: ImpiloClient,
        report: DrainReport,
        progress: Callable[[int, int], None] | None,
        on_result: Callable[[EntryResult], None] | None,
        *,
        done: int = 0,
    ) -> None:
        self.sender = sender
        self.client = client
        self.report = report
        self.progress = progress
        self.on_result = on_result
        self.done = done
        self.window = Window(sender.in_flight)
        # Creates in flight, in the order they started: their entries and window eras.
        self.flying: dict[asyncio.Task[Order | EntryResult], tuple[OutboxEntry, int]] = {}
        # Orders Impilo created whose `sent` marks are not committed yet: they go with the
        # next batch's `sending` marks, in one transaction (or alone when none follows).
        self.landed: list[tuple[OutboxEntry, Order]] = []
        # Set whenever a create finishes: `_land` waits on it (cheaper than `asyncio.wait`,
        # which hooks into every task in flight each time it is called).
        self.finishing = asyncio.Event()
        # Entries committed `sending` about to start: as soon as their commit is on disk, or
        # (marked ahead) as soon as the window has room, within MARK_WAIT of their marks.
        self.cleared: deque[tuple[OutboxEntry, OrderCreate]] = deque()
        # The window's era when the cleared entries were marked: after trouble (a new era)
        # those without room go back to `queued` at once. And whether they have waited for
        # room: then each starts only within MARK_WAIT of its mark.
        self.cleared_era = 0
        self.cleared_waited = False
        # How long the create that finished last took (seconds; None: none yet).
        self.last_create: float | None = None

    @property
    def stopping(self) -> bool:
        return bool(self.report.stopped or self.report.paused)

    async def run(self, entries: list[OutboxEntry]) -> None:
        """Start `entries` in their order and wait for every one started. On a stop, entries
        committed `sending` but not started go back to `queued`; on cancellation, the creates
        in flight are cancelled and their entries left in doubt."""
        waiting = deque(entries)
        try:
            while not self.stopping:
                if self.cleared:
                    room = len(self.flying) < self.window.size
                    if room and not self.cleared_waited and self._marks_age_left() > 0:
                        self._start(*self.cleared.popleft())
                    elif (wait := self._mark_wait_left()) > 0:
                        if room:
                            self._start(*self.cleared.popleft())
                        else:
                            self.cleared_waited = True
                            await self._land(everything=False, within=wait)
                    else:
                        # The window shrank after the batch was marked, or its marks waited
                        # MARK_WAIT for room: they must not age (`settle` counts from the
                        # mark), so they go back to the queue and are marked again when
                        # they go.
                        waiting.extendleft(reversed(self._requeue()))
                        # Creates are slow now: no marking ahead until one finishes (else
                        # the same entries are marked and put back each MARK_WAIT).
                        self.last_create = None
                elif not waiting:
                    break
                elif goes_alone(waiting[0]):
                    await self._land(everything=True)
                    if not self.stopping:
                        await self._alone(waiting.popleft())
                elif len(self.flying) >= self.window.size:
                    if self._quick() and not needs_check(waiting[0]):
                        # The next batch's commit on the disk while these are answered.
                        await self._clear(self._next_batch(waiting))
                    else:
                        await self._land(everything=False)
                elif needs_check(waiting[0]) and refs_of(waiting[0]) & self._refs_in_air():
                    # Its lookup must see the order an earlier entry with the same ref is
                    # creating: wait for it.
                    await self._land(everything=True)
                    await self._clear([waiting.popleft()])
                else:
                    await self._clear(self._next_batch(waiting))
            await self._land(everything=True)
        except BaseException:
            await self._abandon()
            raise
        finally:
            self._put_back("the drain stopped before it was sent")

    async def _alone(self, entry: OutboxEntry) -> None:
        try:
            result = await self.sender._process(self.client, entry.entry_id)
        except StopDrain as stop:
            self._stop(stop.reason)
            result = stop.result
        self._finish(result)

    def _next_batch(self, waiting: deque[OutboxEntry]) -> list[OutboxEntry]:
        """As many of the next entries as the window has free room for, and while creates
        come back quickly (`_quick`) AHEAD windows' worth more, to start as room frees up
        (within MARK_WAIT); up to one that goes alone or whose order_ref lookup must wait
        for an entry in flight or of the batch (the same ref). Entries looked up first join
        only within the free room, so the lookups and the creates in flight never exceed the
        window."""
        free = self.window.size - len(self.flying)
        room = max(1, free + (AHEAD * self.window.size if self._quick() else 0))
        batch: list[OutboxEntry] = [waiting.popleft()]
        refs = set(refs_of(batch[0])) | self._refs_in_air()
        while waiting and len(batch) < room and not goes_alone(waiting[0]):
            if needs_check(waiting[0]) and (refs_of(waiting[0]) & refs or len(batch) >= free):
                break
            refs |= refs_of(waiting[0])
            batch.append(waiting.popleft())
        return batch

    def _refs_in_air(self) -> frozenset[str]:
        """The external order ids of the entries in flight or cleared to start."""
        entries = [entry for entry, _ in self.flying.values()]
        entries += [entry for entry, _ in self.cleared]
        return frozenset().union(*(refs_of(entry) for entry in entries))

    async def _clear(self, batch: list[OutboxEntry]) -> None:
        """Commit `sending` for the entries of `batch` that are to be posted, in one
        transaction that proves the lock is ours and extends it; those the window has room
        for start as soon as that commit is on disk, those marked ahead (`_next_batch`) as
        room frees up, within MARK_WAIT of their marks (`settle` counts from a mark).
        Should the window shrink meanwhile (a lookup failed), the marked entries that do not
        fit go back to the queue at once (`run`). A spreadsheet's orders are looked up by their
        order_refs first, together; an order found settles its entry without a POST
        (order_ref_check.py)."""
        era = self.window.era  # trouble from here on: the marks do not wait for room
        bodies: dict[int, OrderCreate] = {}
        for entry in batch:
            held = self.sender.held_for_server(self.client, entry)
            vetted = held if held is not None else self.sender.vet(entry)
            if isinstance(vetted, EntryResult):
                self._finish(vetted)
            else:
                bodies[entry.entry_id] = vetted
        to_check = [entry for entry in batch if entry.entry_id in bodies and needs_check(entry)]
        if to_check:
            checked = await asyncio.gather(*(self._check(entry) for entry in to_check))
            for entry, result in zip(to_check, checked, strict=True):
                if result is not None:
                    del bodies[entry.entry_id]
                    self._finish(result)
            if self.stopping:
                await self._record_landed()
                return  # the rest were not marked: they stay queued
        if not bodies:
            await self._record_landed()
            return
        sender = self.sender
        landed, self.landed = self.landed, []
        try:
            # Off the loop's thread: the creates in flight are read meanwhile. Committed
            # (on disk) before any of these creates starts, with the `sent` marks of the
            # orders that landed since the last commit. Should the drain be cancelled
            # during the wait, the marks still commit: those entries are found `sending` by
            # the next drain, in doubt, and looked up by reference before anything is sent.
            sent, marked = await sender.writes.run(
                sender.store.mark_sent_and_sending,
                [sent_mark(entry, order) for entry, order in landed],
                [entry for entry in batch if entry.entry_id in bodies],
                sender.lease,
            )
        except SenderLockLost:
            # The landed orders are Impilo's all the same: recorded on their own.
            self.landed = landed + self.landed
            await self._record_landed()
            first = next(e for e in batch if e.entry_id in bodies)
            self._stop(StopReason.TAKEN_OVER)
            self._finish(self.sender._result(first, Outcome.SKIPPED, StopReason.TAKEN_OVER))
            return
        except BaseException:
            # The commit failed (the disk, a lock) or the drain was cancelled: the landed
            # orders go back to the list `_abandon` marks sent, not forgotten with it.
            self.landed = landed + self.landed
            raise
        self._report_landed(landed, sent)
        self.cleared_era, self.cleared_waited = era, False
        for entry in marked:
            self.cleared.append((entry, bodies.pop(entry.entry_id)))
        for entry_id in bodies:  # changed or removed since the drain read it
            self._finish(self.sender._settled_meanwhile(entry_id))

    async def _check(self, entry: OutboxEntry) -> EntryResult | None:
        try:
            return await self.sender._refs.check(self.client, entry)
        except StopDrain as stop:
            self._stop(stop.reason)
            return stop.result

    async def _record_landed(self) -> None:
        """The `sent` marks of the orders that landed, on their own: no batch is marked with
        them (the drain's end, an entry that goes alone next, a stop)."""
        if not self.landed:
            return
        landed, self.landed = self.landed, []
        sender = self.sender
        try:
            sent = await sender.writes.run(
                sender.store.mark_sent_batch, [sent_mark(entry, order) for entry, order in landed]
            )
        except BaseException:
            self.landed = landed + self.landed  # for `_abandon`, as in `_clear`
            raise
        self._report_landed(landed, sent)

    def _report_landed(self, landed: list[tuple[OutboxEntry, Order]], sent: list[int]) -> None:
        """Report the orders whose `sent` marks were just committed (the window counted
        them when they landed)."""
        marked = set(sent)
        for entry, order in landed:
            self._report(
                self.sender._landed(entry, order, Outcome.SENT, marked=entry.entry_id in marked)
            )

    def _start(self, entry: OutboxEntry, body: OrderCreate) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()

        def finished(_: object) -> None:
            self.last_create = loop.time() - started
            self.finishing.set()

        task = asyncio.create_task(self._fly(entry, body), name=f"create-{entry.entry_id}")
        task.add_done_callback(finished)
        self.flying[task] = (entry, self.window.era)

    def _quick(self) -> bool:
        """Whether to mark the next batch before the window has room for it: creates come
        back within QUICK and the window is at its full size (no trouble lately)."""
        return (
            self.last_create is not None
            and self.last_create < QUICK
            and self.window.size == self.window.most
        )

    def _mark_wait_left(self) -> float:
        """How much longer the cleared entries may wait for room (<= 0: no longer): none
        after trouble since they were marked, else until the oldest mark is MARK_WAIT old."""
        if self.window.era != self.cleared_era:
            return 0.0
        return self._marks_age_left()

    def _marks_age_left(self) -> float:
        """How long until the oldest cleared mark is MARK_WAIT old (its commit's wait for
        the disk and the lock included)."""
        marks = [entry.last_sent_at for entry, _ in self.cleared if entry.last_sent_at]
        oldest = min(mark.timestamp() for mark in marks) if marks else self.sender.store.now()
        return oldest + MARK_WAIT - self.sender.store.now()

    def _requeue(self) -> list[OutboxEntry]:
        """Entries committed `sending` that wait for room: back to `queued` (never posted),
        returned as they now are, to be marked again when there is room."""
        cleared, self.cleared = self.cleared, deque()
        ids = [entry.entry_id for entry, _ in cleared]
        self.sender.store.unmark_sending(ids, "waited for room; marked again when it goes")
        requeued: list[OutboxEntry] = []
        for entry_id in ids:
            with contextlib.suppress(EntryNotFoundError):
                entry = self.sender.store.get_entry(entry_id)
                if entry.state == EntryState.QUEUED:
                    requeued.append(entry)
        return requeued

    def _put_back(self, why: str) -> None:
        """Entries committed `sending` whose request never started: certainly not created,
        so back to `queued` (not reported: they were not worked on)."""
        cleared, self.cleared = self.cleared, deque()
        if cleared:
            with contextlib.suppress(Exception):
                self.sender.store.unmark_sending([entry.entry_id for entry, _ in cleared], why)

    async def _fly(self, entry: OutboxEntry, body: OrderCreate) -> Order | EntryResult:
        try:
            return await self.sender.post(self.client, entry, body)
        except StopDrain as stop:
            self._stop(stop.reason)
            return stop.result

    async def _land(self, *, everything: bool, within: float | None = None) -> None:
        """Wait for one create in flight to finish (or, with `everything`, all of them, and
        commit the `sent` marks of their orders), and record what finished; with `within`,
        no longer than that many seconds. An order Impilo created frees its room in the
        window at once; its `sent` mark goes with the next commit (`_clear`), and its result
        is reported once that commit is on disk, so a later create's failure can be reported
        before an earlier create's order."""
        while self.flying:
            while not any(task.done() for task in self.flying):
                self.finishing.clear()
                try:
                    async with asyncio.timeout(within):
                        await self.finishing.wait()
                except TimeoutError:
                    return
            for task in [t for t in self.flying if t.done()]:
                entry, era = self.flying.pop(task)
                posted = task.result()
                if isinstance(posted, EntryResult):
                    self._finish(posted, era)
                else:
                    self.sender.connectivity.report_success()
                    self.window.created(era)
                    self.landed.append((entry, posted))
            if not everything:
                return
        await self._record_landed()

    async def _abandon(self) -> None:
        """The drain is cancelled (or failed): cancel the creates in flight and wait for them.
        Each leaves its entry in doubt; one cancelled before its request started did not run
        at all, so its entry, committed `sending`, is put in doubt here. The orders that
        came back before (landed, or answered as the cancellation came) are marked sent."""
        flying, self.flying = self.flying, {}
        for task in flying:
            task.cancel()
        if flying:
            await asyncio.wait(flying)
        store = self.sender.store
        for task, (entry, _) in flying.items():  # answered before the cancellation reached it
            if task.done() and not task.cancelled() and task.exception() is None:
                posted = task.result()
                if isinstance(posted, Order):
                    self.landed.append((entry, posted))
        landed, self.landed = self.landed, []
        if landed:  # Impilo created these: recorded, as far as the store still lets us
            with contextlib.suppress(Exception):
                store.mark_sent_batch([sent_mark(entry, order) for entry, order in landed])
        for entry, _ in flying.values():
            with contextlib.suppress(Exception):
                if store.get_entry(entry.entry_id).state == EntryState.SENDING:
                    store.mark_in_doubt(entry.entry_id, "interrupted while sending")

    def _stop(self, reason: StopReason) -> None:
        """No new create starts; the first reason is the one reported."""
        if self.report.stopped is None:
            self.report.stopped = reason

    def _finish(self, result: EntryResult, era: int | None = None) -> None:
        self.window.record(result, self.window.era if era is None else era)
        self._report(result)

    def _report(self, result: EntryResult) -> None:
        report = self.report
        report.results.append(result)
        if result.outcome == Outcome.PAUSED:
            report.paused = result.message
        if self.on_result:
            self.on_result(result)
        self.done += 1
        if self.progress:
            self.progress(self.done, report.total)
