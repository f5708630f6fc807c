"""What the sender's order_ref check (sync/order_ref_check.py) writes on an imported outbox
entry: found already on Impilo (sent, without a request), or its lookup failed (counted
toward the backoff: `attempts` counts creates only)."""

from __future__ import annotations

from sqlcipher3 import dbapi2 as sqlite3  # the stdlib API, encrypting: see cipher.py

from impilo_desktop.api.models import Order
from impilo_desktop.store.cache import insert_orders
from impilo_desktop.store.entries import EntryState, OutboxEntry
from impilo_desktop.store.errors import EntryStateError
from impilo_desktop.store.outbox import OUTBOX
from impilo_desktop.store.sender_lock import SenderLease, extend_lease
from impilo_desktop.store.state_table import StateTableMixin


class RefCheckMixin(StateTableMixin):
    """The order_ref check's outcomes on outbox entries (hold the sender lock)."""

    def mark_already_placed(
        self, entry_id: int, order: Order, detail: str, lease: SenderLease | None = None
    ) -> OutboxEntry:
        """An imported entry found already on Impilo (its order_ref is on `order`, for the
        same recipient) before it was ever posted, or after its in-doubt create was not found
        by reference: sent, with that order, without a request. With `lease`, the same
        transaction proves `lease.owner` still holds the sender lock (`SenderLockLost`,
        changing nothing, when it does not): a sender that lost it settles nothing."""
        assert order.id is not None
        now = self.now()
        return self._transition(
            OUTBOX,
            entry_id,
            (EntryState.QUEUED, EntryState.IN_DOUBT),
            EntryState.SENT,
            "sent",
            detail,
            check=(lambda conn: extend_lease(conn, lease, now)) if lease is not None else None,
            also=lambda conn: insert_orders(conn, [order], now),
            order_id=order.id,
            already_placed=1,
            last_error=None,
            next_attempt_at=None,
        )

    def mark_check_failed(
        self,
        entry_id: int,
        error: str,
        next_attempt_at: float | None,
        *,
        for_network: bool = False,
    ) -> OutboxEntry:
        """A lookup before the create failed (nothing was posted): the entry waits in its
        state (queued, or in doubt) until `next_attempt_at`, and the failure is counted
        (`check_failures`) so the next wait is longer."""

        def change(conn: sqlite3.Connection) -> OutboxEntry:
            entry = OUTBOX.fetch(conn, entry_id)
            if entry.state not in (EntryState.QUEUED, EntryState.IN_DOUBT):
                raise EntryStateError(
                    f"Entry #{entry_id} is {entry.state.value}; its lookup cannot fail now."
                )
            self._set(
                OUTBOX,
                conn,
                entry_id,
                check_failures=entry.check_failures + 1,
                last_error=error,
                next_attempt_at=next_attempt_at,
                waits_for_network=int(for_network),
            )
            self._record(OUTBOX, conn, entry_id, "retry", error)
            return OUTBOX.fetch(conn, entry_id)

        return self._db.write(change)
