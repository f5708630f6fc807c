"""The pipelined drain's marks on outbox entries (sync/pipeline.py): the `sending` marks of a
batch in one transaction, the `sent` marks of the orders that came back in the same one or
in one of their own, and the way back to `queued` for marks whose create never started.
Split from outbox.py, which keeps the one-entry moves (docs/architecture.md "Exactly
once", step 9)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlcipher3 import dbapi2 as sqlite3  # the stdlib API, encrypting: see cipher.py

from impilo_desktop.api.models import Order
from impilo_desktop.store.cache import insert_orders
from impilo_desktop.store.entries import EntryState, OutboxEntry
from impilo_desktop.store.many_rows import insert_rows
from impilo_desktop.store.outbox import OUTBOX, SENT_FROM
from impilo_desktop.store.sender_lock import SenderLease, extend_lease
from impilo_desktop.store.state_table import StateTableMixin


class PipelinedMarksMixin(StateTableMixin):
    """Several outbox entries' marks in one transaction (hold the sender lock)."""

    def mark_sending_batch(
        self, entries: Sequence[OutboxEntry], lease: SenderLease
    ) -> list[OutboxEntry]:
        """`mark_sending` for the next few entries of a pipelined drain in one transaction
        (one wait for the disk instead of one each), proving and extending `lease` once
        (`SenderLockLost`, changing nothing, when it is no longer ours). An entry no longer
        `queued` is left out (an in-doubt one is never batched); the entries marked are
        returned in order, as the mark left them (not read back: see
        `OutboxEntry.marked_sending`)."""
        return self.mark_sent_and_sending([], entries, lease)[1]

    def mark_sent_and_sending(
        self,
        sent: Sequence[tuple[int, Order, str]],
        entries: Sequence[OutboxEntry],
        lease: SenderLease,
    ) -> tuple[list[int], list[OutboxEntry]]:
        """`mark_sent_batch` for orders that came back, and `mark_sending_batch` for the next
        entries, in ONE durable transaction: a pipelined drain records what landed with the
        marks of what goes next (one commit where it took two). `SenderLockLost` changes
        nothing, the `sent` marks included. Returns the ids marked sent, and the entries
        marked sending."""

        def change(conn: sqlite3.Connection) -> tuple[list[int], list[OutboxEntry]]:
            # The marks' time once the write lock is held (BEGIN IMMEDIATE may wait up to
            # the busy timeout): a mark is never older than it says (MARK_WAIT, settle).
            now = self.now()
            extend_lease(conn, lease, now)
            sent_ids = self._sent_marks(conn, sent, now)
            attempts = self._sending_marks(OUTBOX, conn, [e.entry_id for e in entries], now)
            marked = [
                entry.marked_sending(attempts[entry.entry_id], now)
                for entry in entries
                if entry.entry_id in attempts
            ]
            return sent_ids, marked

        return self._db.write(change)

    def unmark_sending(self, entry_ids: list[int], detail: str) -> None:
        """Entries marked `sending` by `mark_sending_batch` whose request never started (the
        drain stopped or was cancelled first): back to `queued`, the attempt uncounted."""
        self._unmark_sending(OUTBOX, entry_ids, detail)

    def mark_sent_batch(self, sent: Sequence[tuple[int, Order, str]]) -> list[int]:
        """`mark_sent` for the orders of a pipelined drain that came back together, in ONE
        transaction, not durable either: each entry (id, its order, the history's detail)
        still `sending` or `in_doubt` becomes `sent` with its order cached; one found
        otherwise (settled meanwhile by a sender that took over) or gone is left out, its
        order not cached. Returns the ids marked. The entries are not read back: the sender
        has them."""
        now = self.now()
        return self._db.write(lambda conn: self._sent_marks(conn, sent, now), durable=False)

    def _sent_marks(
        self, conn: sqlite3.Connection, sent: Sequence[tuple[int, Order, str]], now: float
    ) -> list[int]:
        """Inside a write transaction: the `sent` marks of `mark_sent_batch`, in three
        statements whatever their number (one UPDATE with the state check in its WHERE, the
        history lines, the order cache). The ids marked, in the order given."""
        if not sent:
            return []
        values = ",".join("(?, ?)" for _ in sent)
        pairs = [value for entry_id, order, _ in sent for value in (entry_id, order.id)]
        rows = conn.execute(
            f"WITH landed (entry_id, order_id) AS (VALUES {values})"
            " UPDATE outbox SET state = ?, order_id = landed.order_id, last_error = NULL,"
            " next_attempt_at = NULL, updated_at = ? FROM landed"
            " WHERE outbox.entry_id = landed.entry_id AND outbox.state IN (?, ?)"
            " RETURNING outbox.entry_id",
            (*pairs, EntryState.SENT, now, *SENT_FROM),
        ).fetchall()
        chosen = {int(row[0]) for row in rows}
        marked = [entry_id for entry_id, _, _ in sent if entry_id in chosen]
        insert_rows(
            conn,
            "INSERT INTO outbox_attempts (entry_id, at, outcome, detail)",
            "(?, ?, 'sent', ?)",
            [(entry_id, now, detail) for entry_id, _, detail in sent if entry_id in chosen],
        )
        insert_orders(conn, [order for entry_id, order, _ in sent if entry_id in chosen], now)
        return marked
