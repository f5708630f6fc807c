"""What the outbox sender records when an entry's turn ends (sent, adopted, scheduled again,
paused), and how a drain is stopped from inside one entry's work. Split from sender.py, which
keeps the per-entry protocol; order_ref_check.py and patient_change_sender.py record through
these too."""

from __future__ import annotations

import logging
from datetime import timedelta

from impilo_desktop.api.errors import (
    AuthenticationError,
    ImpiloError,
    ProxyRefused,
    Unreachable,
    UntrustedCertificate,
)
from impilo_desktop.api.models import Order
from impilo_desktop.api.retry import RetryPolicy, wait_text
from impilo_desktop.store import (
    EntryNotFoundError,
    EntryState,
    EntryStateError,
    OutboxEntry,
    ReferenceKind,
    Store,
    StoreError,
)
from impilo_desktop.sync.connectivity import Connectivity
from impilo_desktop.sync.drain_report import API_KEY_REJECTED, EntryResult, Outcome, StopReason
from impilo_desktop.sync.store_writes import StoreWrites

log = logging.getLogger("impilo_desktop.sync.sender")


class StopDrain(Exception):  # noqa: N818 - internal control flow, never escapes a drain
    """Raised from one entry's work when no further entry may be started (offline, the key
    refused, the lock taken over, Impilo in trouble); `result` is that entry's own."""

    def __init__(self, result: EntryResult, reason: StopReason) -> None:
        super().__init__(reason)
        self.result = result
        self.reason = reason


class EntryOutcomes:
    """The outcome side of `OutboxSender`: each method commits one entry's new state and
    returns its `EntryResult`."""

    store: Store
    writes: StoreWrites
    connectivity: Connectivity
    retry: RetryPolicy
    settle: float
    max_age: timedelta

    def _delivered(self, entry: OutboxEntry, order: Order, outcome: Outcome) -> EntryResult:
        self.connectivity.report_success()
        recorded = self._record_delivery(entry, order, outcome)
        return self._after_delivery(entry, order, outcome, recorded)

    async def _delivered_off_loop(
        self, entry: OutboxEntry, order: Order, outcome: Outcome
    ) -> EntryResult:
        """`_delivered`, its commit on the drain's writes thread (store_writes.py); the entry
        is not read back."""
        self.connectivity.report_success()
        marked = await self.writes.run(self.store.mark_sent_batch, [sent_mark(entry, order)])
        return self._landed(entry, order, outcome, marked=bool(marked))

    def _landed(
        self, entry: OutboxEntry, order: Order, outcome: Outcome, *, marked: bool
    ) -> EntryResult:
        """The result of an order whose `sent` mark (`sent_mark`) was committed off the loop:
        sent, or skipped when the mark found the entry settled meanwhile (`marked` False)."""
        if not marked:
            return self._after_delivery(entry, order, outcome, None)
        note = _note(outcome)
        log.info("Entry %s: %s", entry.entry_id, _detail(order.id, note))
        self._cache_new_patient(entry, order)
        return EntryResult(
            entry.entry_id, entry.client_reference, outcome, EntryState.SENT, order.id, note
        )

    def _record_delivery(
        self, entry: OutboxEntry, order: Order, outcome: Outcome
    ) -> OutboxEntry | None:
        """One commit records the outcome and caches the order for offline history; None
        when the entry was settled meanwhile by a sender that took over (it adopted this
        very order)."""
        assert order.id is not None  # the client guarantees an id on created orders
        try:
            detail = _detail(order.id, _note(outcome))
            return self.store.mark_sent(entry.entry_id, order.id, detail, order=order)
        except EntryStateError:
            return None

    def _after_delivery(
        self, entry: OutboxEntry, order: Order, outcome: Outcome, sent: OutboxEntry | None
    ) -> EntryResult:
        if sent is None:
            log.warning(
                "Entry %s: order %s arrived after the entry was settled", entry.entry_id, order.id
            )
            return self._result(self.store.get_entry(entry.entry_id), Outcome.SKIPPED)
        note = _note(outcome)
        log.info("Entry %s: %s", entry.entry_id, _detail(order.id, note))
        self._cache_new_patient(entry, order)
        return self._result(sent, outcome, note)

    def _cache_new_patient(self, entry: OutboxEntry, order: Order) -> None:
        """The patient Impilo created with a new patient's order: known to the picker and to
        the next duplicate check (same last name and date of birth) before the cache
        refreshes."""
        if not entry.draft.is_new_patient_order or order.patient is None:
            return
        try:
            self.store.store_reference_page(ReferenceKind.PATIENT, [order.patient])
        except StoreError:
            log.warning("Entry %s: could not cache the new patient", entry.entry_id)

    def _settled_meanwhile(self, entry_id: int) -> EntryResult:
        """The entry changed while we asked Impilo about it (settled by a sender that took
        over, removed): nothing more is done with it."""
        try:
            return self._result(self.store.get_entry(entry_id), Outcome.SKIPPED)
        except EntryNotFoundError:
            return EntryResult(entry_id, "", Outcome.SKIPPED, EntryState.SENT, message="removed")

    def _schedule(
        self,
        entry: OutboxEntry,
        error: ImpiloError,
        *,
        reconcile: bool,
        retry_after: float | None = None,
        check_only: bool = False,
        lookup: bool = False,
    ) -> EntryResult:
        """Schedule the entry's next try after `error`. `lookup`: a lookup before the create
        failed (nothing was posted); it is counted, so its waits grow as a create's do."""
        self.connectivity.report_error(error)
        failures = entry.attempts + entry.check_failures + (1 if lookup else 0)
        delay = self.retry.delay(max(failures, 1), retry_after)
        if entry.last_sent_at is not None and (reconcile or entry.state == EntryState.IN_DOUBT):
            # The lookup must not come before the create it checks on has settled.
            settled = entry.last_sent_at.timestamp() + self.settle - self.store.now()
            delay = max(delay, settled)
        when = self.store.now() + delay
        what = "check" if check_only else "send"
        message = f"{error.message} Next try in {wait_text(delay)}."
        log.warning("Entry %s: %s failed: %s", entry.entry_id, what, error.detail or error)
        # No answer at all: the wait is only for the network, and ends when Impilo answers
        # again. An answer (429, 5xx) sets a wait the server asked for or needs: it stands.
        network = isinstance(error, Unreachable)
        if lookup:
            updated = self.store.mark_check_failed(
                entry.entry_id, error.message, when, for_network=network
            )
        elif entry.state == EntryState.IN_DOUBT or reconcile:
            updated = self.store.mark_in_doubt(
                entry.entry_id, error.message, when, for_network=network
            )
        else:
            updated = self.store.mark_retry(
                entry.entry_id, error.message, when, reconcile=False, for_network=network
            )
        return self._result(updated, Outcome.RETRY, message)

    def _pause(self, entry: OutboxEntry, error: AuthenticationError) -> EntryResult:
        # A 401 means the request was refused: nothing was created.
        if entry.state == EntryState.SENDING:
            entry = self.store.mark_unsent(entry.entry_id, API_KEY_REJECTED)
        self.store.pause_outbox(API_KEY_REJECTED)
        log.warning("Outbox paused: %s (%s)", API_KEY_REJECTED, error.status)
        return self._result(entry, Outcome.PAUSED, API_KEY_REJECTED)

    def _too_old(self, entry: OutboxEntry) -> bool:
        age = self.store.now() - entry.created_at.timestamp()
        return age > self.max_age.total_seconds()

    @staticmethod
    def _result(entry: OutboxEntry, outcome: Outcome, message: str = "") -> EntryResult:
        return EntryResult(
            entry_id=entry.entry_id,
            client_reference=entry.client_reference,
            outcome=outcome,
            state=entry.state,
            order_id=entry.order_id,
            message=message,
        )


def sent_mark(entry: OutboxEntry, order: Order) -> tuple[int, Order, str]:
    """What `Store.mark_sent_batch` records of an order Impilo created for `entry`."""
    assert order.id is not None  # the client guarantees an id on created orders
    return entry.entry_id, order, _detail(order.id)


def _note(outcome: Outcome) -> str:
    return "it already existed" if outcome == Outcome.ADOPTED else ""


def _detail(order_id: int | None, note: str = "") -> str:
    """What the entry's history says of its order."""
    return f"order {order_id}" + (f" ({note})" if note else "")


def no_connection(error: Unreachable) -> StopReason:
    """Why a drain stops when nothing could be sent: offline, or what stands in the way."""
    if isinstance(error, UntrustedCertificate):
        return StopReason.UNTRUSTED
    if isinstance(error, ProxyRefused):
        return StopReason.PROXY_REFUSED
    return StopReason.OFFLINE


def wrong_server_reason(queued_for: str | None, now_talks_to: str) -> str:
    """Why an entry is held for its server, in the coordinator's words."""
    if queued_for is None:
        return (
            "Queued by an earlier version of Impilo Desktop, which did not record the server it"
            f" was meant for. Send it to {now_talks_to}, or keep it waiting."
        )
    return (
        f"Queued for {queued_for}; this profile now talks to {now_talks_to}. Send it to"
        f" {now_talks_to}, or keep it waiting."
    )
