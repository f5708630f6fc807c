"""The outbox sender: turns every outbox entry into exactly one Impilo order, on the server
it was queued for.

The protocol (docs/architecture.md "Exactly once", which also gives the argument and its
timing assumptions):

1. Only one sender works per profile at a time, across processes: an OS file lock (released
   by the kernel when its process dies) and a lock row in the store, kept alive by a heartbeat
   for as long as the drain runs (requests in flight included). Another live sender holding
   either makes the drain return at once with `lock_busy`.
2. On start, entries left in `sending` (a sender died mid-request) become `in_doubt`.
3. An entry queued for another server than the client's is `held` for the user; nothing is
   sent or looked up for it.
4. An `in_doubt` entry is looked up by its client reference (`GET /order?externalOrderId=`)
   before anything else, but only once `settle` seconds have passed since its last create
   started (by then that request can no longer be creating the order): an existing order is
   adopted, and only if none exists is it sent.
5. Before the POST the entry is committed as `sending`, in the same transaction that proves
   this sender still holds the lock and extends it; the client reference is in the body's
   `externalOrderIds`. Outcomes:
   - an order came back: `sent` (the order is cached for offline history);
   - 4xx: `rejected` with the server's message (the draft stays intact for the user);
   - 401/403: the entry is `queued` again and the whole outbox paused ("API key rejected");
   - 429, or no connection at all: `queued` with a retry time (nothing was created);
   - timeout/reset after the request left, 5xx, unreadable 2xx, cancellation: `in_doubt`
     with a retry time, so the next try starts with the lookup.
6. Entries older than `max_age` are `held` for the user's confirmation, never sent silently.
7. An order queued by a spreadsheet import is looked up by its order_ref before it is
   first posted, or posted again after step 4 found no order with its reference (orders
   from the form, duplicates and JSON files may repeat their external ids on purpose, and
   are not): an order already on Impilo for the same recipient settles it as sent, one for
   another recipient rejects it (order_ref_check.py).
8. A new patient's order is `held` when Impilo already has a patient with the same external
   ID or email (checked before each create, after the lookup by reference: patient_check.py).

9. Up to `in_flight` (4) creates are in flight at once (sync/pipeline.py): asyncio tasks on
   the sender's one loop and client (one connection pool). The window starts at 1 and grows by
   one with each order Impilo creates; a 429, a 5xx or a network error after the request may
   have left (an entry scheduled again) drops it back to 1, so a server in trouble gets no
   more requests than one at a time would give it. The next entries' `sending` marks (as many
   as the window has room for, and while creates come back quickly two windows' worth more,
   `AHEAD`, marked while the window is full: a mark waits for room at most `MARK_WAIT`, 2 s,
   since `settle` counts from it) are committed together, in one transaction that proves and
   extends the lock (step 5) once, before their requests start: each is durable before its
   request leaves, and after a crash each is in doubt and reconciled by its reference (one
   whose POST never left is found absent and sent: correct, only slower). An order that came
   back is marked `sent` with the next batch's marks, in the same transaction (or alone when
   none follows); until then its entry is `sending`, so a crash leaves it in doubt, adopted by
   its reference.
   A `queued` order for an existing patient or a site goes into the window; a spreadsheet's
   one too, its order_ref looked up (step 7) with the rest of its batch's just before the
   batch is marked, unless an entry in flight carries the same ref (then it waits for that
   one). An in-doubt entry (step 4) and a new patient's order (step 8) go alone: the window
   empties, the entry is worked through as above, then pipelining resumes. So a new
   patient's check sees the patients every earlier order of the drain created, and two
   orders for the same new person never both create them.
   Entries start in due order; results and progress are reported as they finish. A stop
   (offline, key refused, taken over, Impilo in trouble) starts no new create: the ones in
   flight finish and are recorded, and the report gives the first stop reason. A cancelled
   drain (the app quitting) marks every entry it had in flight `in_doubt`.

The sender works on the thread that runs its event loop; the store gives that thread its own
SQLite connection. Callbacks (`progress`, `on_result`) run on that thread too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from typing import TYPE_CHECKING

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.errors import (
    AuthenticationError,
    ImpiloError,
    RateLimited,
    RequestRejected,
    Unreachable,
)
from impilo_desktop.api.models import Order, OrderCreate
from impilo_desktop.api.retry import OUTBOX_RETRY, RetryPolicy
from impilo_desktop.api.transport import DEFAULT_DEADLINE
from impilo_desktop.domain import DraftInvalid, to_order_create
from impilo_desktop.store import (
    EntryNotFoundError,
    EntryState,
    OutboxEntry,
    SenderLease,
    SenderLockLost,
    Store,
)
from impilo_desktop.sync.connectivity import Connectivity
from impilo_desktop.sync.drain_report import (
    ANOTHER_SENDER,
    API_KEY_REJECTED,
    DrainReport,
    EntryResult,
    Outcome,
    StopReason,
)
from impilo_desktop.sync.entry_lookups import EntryLookups
from impilo_desktop.sync.entry_outcomes import (
    StopDrain,
    no_connection,
    wrong_server_reason,
)
from impilo_desktop.sync.order_ref_check import OrderRefCheck, needs_check
from impilo_desktop.sync.pipeline import Pipeline
from impilo_desktop.sync.store_writes import StoreWrites
from impilo_desktop.sync.window import MAX_IN_FLIGHT

if TYPE_CHECKING:
    from impilo_desktop.sync.patient_change_sender import OnChange

log = logging.getLogger(__name__)

ClientFactory = Callable[[], AbstractAsyncContextManager[ImpiloClient]]
"""Gives the client for one drain, e.g. `lambda: ImpiloClient(url, key)` (closed after the
drain) or, to share a long-lived client, `lambda: contextlib.nullcontext(client)`."""

ProgressCallback = Callable[[int, int], None]

DEFAULT_MAX_AGE = timedelta(hours=72)
# The sender lock's lifetime. The drain's heartbeat renews it every quarter of that, requests
# in flight or not, so a live sender keeps it; a dead sender on this computer is replaced at
# once (the kernel released its OS lock), so the length only matters for a sender on another
# computer sharing the folder, or on a file system without OS locks. It must exceed the
# longest create (`DEFAULT_DEADLINE`) by far: a create starts only in a transaction that
# extends the lock to a full lifetime.
DEFAULT_LOCK_TTL = 300.0
# How long after a create started it can still be creating the order: the client gives up at
# its deadline, and we allow the server as long again to finish (or drop) what it received.
# An in-doubt entry is looked up only after this, so "no such order" can be trusted.
DEFAULT_SETTLE = 2 * DEFAULT_DEADLINE
# Sent entries are kept this long for the Drafts & outbox page, then forgotten (the order
# stays in the order cache and in history).
KEEP_SENT = timedelta(days=30)


class OutboxSender(EntryLookups):
    """Drains the outbox of one store through the Impilo API, exactly once per entry.

    `store` may be shared with the UI thread. `connectivity` (optional) is updated from every
    outcome. `max_age` is the age after which an entry is held for confirmation; `settle` how
    long after a create started an in-doubt entry may be looked up (see DEFAULT_SETTLE);
    `in_flight` how many creates may be in flight at once (1: one after another).
    """

    def __init__(
        self,
        store: Store,
        client_factory: ClientFactory,
        *,
        connectivity: Connectivity | None = None,
        max_age: timedelta = DEFAULT_MAX_AGE,
        retry: RetryPolicy = OUTBOX_RETRY,
        lock_ttl: float = DEFAULT_LOCK_TTL,
        settle: float = DEFAULT_SETTLE,
        in_flight: int = MAX_IN_FLIGHT,
    ) -> None:
        if not 1 <= in_flight <= MAX_IN_FLIGHT:
            raise ValueError(f"in_flight must be 1 to {MAX_IN_FLIGHT}, not {in_flight}")
        self.in_flight = in_flight
        self.store = store
        self.client_factory = client_factory
        self.connectivity = connectivity or Connectivity()
        self.max_age = max_age
        self.retry = retry
        self.settle = settle
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        self.lease = SenderLease(self.owner, lock_ttl)
        self._pruned = False
        # Patients' address/phone corrections go in the same drain (its own module; it builds
        # on this one's types, hence imported here).
        from impilo_desktop.sync.patient_change_sender import PatientChangeSender

        self._changes = PatientChangeSender(self)
        # The drain's `sending` (batches) and `sent` commits, off the loop's thread.
        self.writes = StoreWrites(store)
        self._refs = OrderRefCheck(self)

    @property
    def lock_ttl(self) -> float:
        return self.lease.ttl

    async def drain(
        self,
        *,
        due_only: bool = True,
        waiting_for_network: bool = False,
        progress: ProgressCallback | None = None,
        on_result: Callable[[EntryResult], None] | None = None,
        on_change: OnChange | None = None,
    ) -> DrainReport:
        """Work through the entries that are due (all pending ones with `due_only=False`,
        i.e. "send now"; with `waiting_for_network` also those that waited only for the
        connection, for "Impilo answers again": never one waiting out a server's time).
        Returns at once with `lock_busy` when another sender works, and with `paused` while
        the outbox is paused."""
        report = DrainReport()
        paused = self.store.outbox_paused()
        if paused:
            report.paused = paused
            return report
        if not self.store.acquire_sender_lock(self.owner, self.lock_ttl):
            report.lock_busy = True
            return report
        try:
            if not self._pruned:
                self._pruned = True
                pruned = self.store.prune_sent(KEEP_SENT.total_seconds())
                if pruned:
                    log.info("Forgot %d sent outbox entries older than %s", pruned, KEEP_SENT)
            recovered = self.store.recover_interrupted()
            if recovered:
                log.info("Entries %s were interrupted while sending; now in doubt", recovered)
            entries = self.store.due_entries(
                due_only=due_only, waiting_for_network=waiting_for_network
            )
            changes = self._changes.due(due_only=due_only, waiting_for_network=waiting_for_network)
            report.total = len(entries) + len(changes)
            if progress:
                progress(0, report.total)
            if not report.total:
                return report
            heartbeat = asyncio.create_task(self._heartbeat(), name="outbox-lock-heartbeat")
            try:
                async with self.client_factory() as client:
                    # Corrections first: one queued with an order ("use this patient and
                    # correct their address") must reach Impilo before the order it concerns.
                    if changes:
                        await self._changes.work_through(
                            client, changes, report, done=0, progress=progress, on_change=on_change
                        )
                    if entries and not (report.stopped or report.paused):
                        pipeline = Pipeline(
                            self, client, report, progress, on_result, done=len(changes)
                        )
                        async with self.writes:
                            await pipeline.run(entries)
            finally:
                heartbeat.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await heartbeat
        finally:
            with contextlib.suppress(Exception):
                self.store.release_sender_lock(self.owner)
        return report

    async def _heartbeat(self) -> None:
        """Keep the lock for as long as the drain runs, requests in flight included. Losing
        it is only logged here: the next create checks the lock itself and stops the drain."""
        while True:
            await asyncio.sleep(self.lock_ttl / 4)
            try:
                kept = self.store.refresh_sender_lock(self.owner, self.lock_ttl)
            except Exception:  # a busy database: try again at the next beat
                log.warning("Could not renew the sender lock", exc_info=True)
                continue
            if not kept:
                log.error("The sender lock was lost while sending")
                return

    # -- one entry ----------------------------------------------------------------------------

    async def _process(self, client: ImpiloClient, entry_id: int) -> EntryResult:
        """The whole protocol for one entry, alone (nothing else in flight): read again, held
        or looked up as it needs, then created."""
        try:
            entry = self.store.get_entry(entry_id)
        except EntryNotFoundError:
            return EntryResult(entry_id, "", Outcome.SKIPPED, EntryState.SENT, message="removed")
        if entry.state not in (EntryState.QUEUED, EntryState.IN_DOUBT):
            return self._result(entry, Outcome.SKIPPED)

        held = self.held_for_server(client, entry)
        if held is not None:
            return held

        if entry.state == EntryState.IN_DOUBT:
            waiting = self._still_settling(entry)
            if waiting is not None:
                return waiting
            adopted = await self._reconcile(client, entry)
            if adopted is not None:
                return adopted

        body = self.vet(entry)
        if isinstance(body, EntryResult):
            return body

        if needs_check(entry):
            # A spreadsheet's order may be on Impilo already (sent from another computer, or
            # before the outbox forgot it): never post it again (order_ref_check.py). An
            # in-doubt one too, once its own reference was not found: another computer may
            # have placed the same ref while our create timed out.
            placed = await self._refs.check(client, entry)
            if placed is not None:
                return placed

        if entry.draft.is_new_patient_order and not entry.new_patient_confirmed:
            # After the lookup by reference, never before: see sync/patient_check.py.
            checked = await self._check_new_patient(client, entry)
            if checked is not None:
                return checked

        # Committed before the request leaves: from here on a crash means "in doubt". The same
        # transaction proves the lock is still ours and extends it past this request.
        try:
            entry = self.store.mark_sending(entry_id, self.lease)
        except SenderLockLost:
            result = self._result(entry, Outcome.SKIPPED, StopReason.TAKEN_OVER)
            raise StopDrain(result, StopReason.TAKEN_OVER) from None
        return await self.create(client, entry, body)

    def held_for_server(self, client: ImpiloClient, entry: OutboxEntry) -> EntryResult | None:
        """Held when queued for another server than the client's: neither sent nor looked up
        anywhere else, only the coordinator can redirect it."""
        if entry.server == client.base_url:
            return None
        reason = wrong_server_reason(entry.server, client.base_url)
        held = self.store.mark_held(entry.entry_id, reason, held_for="server")
        log.warning("Entry %s held: queued for %s, not %s", entry.entry_id, entry.server, client)
        return self._result(held, Outcome.HELD, reason)

    def vet(self, entry: OutboxEntry) -> OrderCreate | EntryResult:
        """The body to post, or the entry's result when it is not to be posted: held for its
        age, or rejected as invalid."""
        if not entry.age_confirmed and self._too_old(entry):
            hours = self.max_age.total_seconds() / 3600
            reason = f"Waiting more than {hours:g} hours; confirm before sending."
            held = self.store.mark_held(entry.entry_id, reason)
            return self._result(held, Outcome.HELD, reason)
        try:
            return to_order_create(entry.draft, entry.client_reference)
        except DraftInvalid as invalid:
            message = str(invalid)
            rejected = self.store.mark_rejected(entry.entry_id, message, "invalid draft")
            return self._result(rejected, Outcome.REJECTED, message)

    async def create(
        self, client: ImpiloClient, entry: OutboxEntry, body: OrderCreate
    ) -> EntryResult:
        """POST an entry already committed `sending`, and record what came of it. Raises
        `StopDrain` when no further create may start (key refused, no connection at all)."""
        posted = await self.post(client, entry, body)
        if isinstance(posted, EntryResult):
            return posted
        return await self._delivered_off_loop(entry, posted, Outcome.SENT)

    async def post(
        self, client: ImpiloClient, entry: OutboxEntry, body: OrderCreate
    ) -> Order | EntryResult:
        """POST an entry already committed `sending`: the order Impilo created (its `sent`
        mark is the caller's: `create`, or the pipeline's next commit), or the entry's
        result, recorded, when none came back. Raises `StopDrain` when no further create
        may start (key refused, no connection at all)."""
        entry_id = entry.entry_id
        try:
            order = await client.create_order(body)
        except RequestRejected as error:
            self.connectivity.report_error(error)
            message = error.server_message or error.message
            return self._result(
                self.store.mark_rejected(entry_id, message, error.message),
                Outcome.REJECTED,
                message,
            )
        except AuthenticationError as error:
            self.connectivity.report_error(error)
            raise StopDrain(self._pause(entry, error), StopReason.KEY_REFUSED) from None
        except RateLimited as error:
            # Refused before it was processed: nothing was created.
            return self._schedule(entry, error, reconcile=False, retry_after=error.retry_after)
        except Unreachable as error:
            result = self._schedule(entry, error, reconcile=error.maybe_sent)
            if not error.maybe_sent:
                # No connection at all: the rest would fail the same way.
                raise StopDrain(result, no_connection(error)) from None
            return result
        except ImpiloError as error:
            # 5xx, an unreadable 2xx, ...: the order may exist; look before resending.
            hint = getattr(error, "retry_after", None)
            return self._schedule(
                entry, error, reconcile=True, retry_after=hint if isinstance(hint, float) else None
            )
        except BaseException:
            # Cancelled (or worse) while the request may be on the wire.
            with contextlib.suppress(Exception):
                self.store.mark_in_doubt(entry_id, "interrupted while sending")
            raise
        return order


# What a drain reports lives in drain_report.py; it is named here too, where callers have
# always found it.
__all__ = [
    "ANOTHER_SENDER",
    "API_KEY_REJECTED",
    "DEFAULT_LOCK_TTL",
    "DEFAULT_MAX_AGE",
    "DEFAULT_SETTLE",
    "KEEP_SENT",
    "ClientFactory",
    "DrainReport",
    "EntryResult",
    "OutboxSender",
    "Outcome",
    "ProgressCallback",
    "StopReason",
    "wrong_server_reason",
]
