"""The state machine the order outbox (outbox + outbox_attempts) and the patient-change outbox
(patient_changes + patient_change_attempts) share: queued, sending, in doubt, sent, rejected,
held. A `StateTable` says which tables a kind of entry lives in; `StateTableMixin` makes the
moves between states, each one committed transaction that also writes a line of history, so
a crash leaves every entry in a state the sender continues from."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from sqlcipher3 import dbapi2 as sqlite3  # the stdlib API, encrypting: see cipher.py

from impilo_desktop.store.base import StoreBase
from impilo_desktop.store.entries import EntryState
from impilo_desktop.store.errors import EntryNotFoundError, EntryStateError
from impilo_desktop.store.many_rows import insert_rows
from impilo_desktop.store.sender_lock import SenderLease, extend_lease


class StatefulEntry(Protocol):
    """What a transition reads of an entry: its state and how often it was attempted."""

    @property
    def state(self) -> EntryState: ...

    @property
    def attempts(self) -> int: ...


E = TypeVar("E", bound=StatefulEntry)


@dataclass(frozen=True)
class StateTable(Generic[E]):
    """Where one kind of entry lives: its table and id column, the table of its history, how
    a row becomes an entry, and what messages call it ("Entry #3 is sent; …")."""

    table: str
    id_column: str
    attempts_table: str
    from_row: Callable[[sqlite3.Row], E]
    name: str  # in "cannot become" messages
    missing_name: str  # in "no longer exists" messages

    def fetch(self, conn: sqlite3.Connection, row_id: int) -> E:
        """The entry; `EntryNotFoundError` when it does not exist."""
        row = conn.execute(
            f"SELECT * FROM {self.table} WHERE {self.id_column} = ?", (row_id,)
        ).fetchone()
        if row is None:
            raise EntryNotFoundError(f"{self.missing_name} #{row_id} no longer exists.")
        return self.from_row(row)


class StateTableMixin(StoreBase):
    """Moving entries of a `StateTable` between states, with their history."""

    def _transition(
        self,
        table: StateTable[E],
        row_id: int,
        allowed: tuple[EntryState, ...],
        state: EntryState,
        outcome: str,
        detail: str,
        /,
        *,
        count_attempt: bool = False,
        check: Callable[[sqlite3.Connection], None] | None = None,
        also: Callable[[sqlite3.Connection], None] | None = None,
        durable: bool = True,
        **fields: object,
    ) -> E:
        """Move the entry from one of `allowed` to `state` in one transaction (`check` runs
        first and may refuse, `also` runs last), or raise `EntryStateError` changing nothing."""

        def change(conn: sqlite3.Connection) -> E:
            if check is not None:
                check(conn)
            entry = table.fetch(conn, row_id)
            if entry.state not in allowed:
                raise EntryStateError(
                    f"{table.name} #{row_id} is {entry.state.value}; cannot become {state.value}."
                )
            if count_attempt:
                fields["attempts"] = entry.attempts + 1
            self._set(table, conn, row_id, state=state, **fields)
            self._record(table, conn, row_id, outcome, detail)
            if also is not None:
                also(conn)
            return table.fetch(conn, row_id)

        return self._db.write(change, durable=durable)

    def _set(
        self, table: StateTable[E], conn: sqlite3.Connection, row_id: int, /, **fields: object
    ) -> None:
        fields["updated_at"] = self.now()
        columns = ", ".join(f"{name} = ?" for name in fields)
        conn.execute(
            f"UPDATE {table.table} SET {columns} WHERE {table.id_column} = ?",
            (*fields.values(), row_id),
        )

    def _record(
        self,
        table: StateTable[E],
        conn: sqlite3.Connection,
        row_id: int,
        outcome: str,
        detail: str,
    ) -> None:
        conn.execute(
            f"INSERT INTO {table.attempts_table} ({table.id_column}, at, outcome, detail)"
            " VALUES (?, ?, ?, ?)",
            (row_id, self.now(), outcome, detail),
        )

    # -- what both kinds do alike (each kind's public methods name them) ---------------------

    def _list(self, table: StateTable[E], states: Iterable[EntryState] | None) -> list[E]:
        """Entries, oldest first, optionally only those in `states`."""
        wanted = [EntryState(s).value for s in states] if states is not None else None
        order = f" ORDER BY {table.id_column}"

        def query(conn: sqlite3.Connection) -> list[sqlite3.Row]:
            if wanted is None:
                return conn.execute(f"SELECT * FROM {table.table}{order}").fetchall()
            marks = ",".join("?" * len(wanted))
            return conn.execute(
                f"SELECT * FROM {table.table} WHERE state IN ({marks}){order}", wanted
            ).fetchall()

        return [table.from_row(row) for row in self._db.read(query)]

    def _due(
        self, table: StateTable[E], due_only: bool, waiting_for_network: bool, where: str = ""
    ) -> list[E]:
        """Entries the sender should work on now, oldest first (`where`: more conditions)."""
        now = self.now()

        def query(conn: sqlite3.Connection) -> list[sqlite3.Row]:
            sql = f"SELECT * FROM {table.table} WHERE state IN ('queued', 'in_doubt'){where}"
            params: tuple[float, ...] = ()
            if due_only:
                network = " OR waits_for_network = 1" if waiting_for_network else ""
                sql += f" AND (next_attempt_at IS NULL OR next_attempt_at <= ?{network})"
                params = (now,)
            return conn.execute(f"{sql} ORDER BY {table.id_column}", params).fetchall()

        return [table.from_row(row) for row in self._db.read(query)]

    def _prune_sent(self, table: StateTable[E], older_than: float) -> int:
        """Forget entries sent more than `older_than` seconds ago; how many. Not durable: a
        power cut only brings them back to be pruned again."""
        cutoff = self.now() - older_than

        def prune(conn: sqlite3.Connection) -> int:
            return conn.execute(
                f"DELETE FROM {table.table} WHERE state = 'sent' AND updated_at < ?", (cutoff,)
            ).rowcount

        return int(self._db.write(prune, durable=False))

    def _discard(self, table: StateTable[E], row_id: int, only: str) -> None:
        """Delete a rejected or held entry; `only` says which may be, when this one may not."""

        def discard(conn: sqlite3.Connection) -> None:
            entry = table.fetch(conn, row_id)
            if entry.state not in (EntryState.REJECTED, EntryState.HELD):
                raise EntryStateError(f"{table.name} #{row_id} is {entry.state.value}; {only}")
            conn.execute(f"DELETE FROM {table.table} WHERE {table.id_column} = ?", (row_id,))

        self._db.write(discard)

    # -- the moves both kinds make alike (each kind's public mark_* names them) -------------

    def _recover_interrupted(self, table: StateTable[E]) -> list[int]:
        """Entries left `sending` by a sender that died become `in_doubt`; their ids."""

        def recover(conn: sqlite3.Connection) -> list[int]:
            rows = conn.execute(
                f"SELECT {table.id_column} FROM {table.table} WHERE state = 'sending'"
            ).fetchall()
            ids = [int(r[0]) for r in rows]
            for row_id in ids:
                self._set(table, conn, row_id, state=EntryState.IN_DOUBT)
                self._record(table, conn, row_id, "in_doubt", "interrupted while sending")
            return ids

        return self._db.write(recover)

    def _mark_sending(self, table: StateTable[E], row_id: int, lease: SenderLease | None) -> E:
        now = self.now()
        return self._transition(
            table,
            row_id,
            (EntryState.QUEUED, EntryState.IN_DOUBT),
            EntryState.SENDING,
            "sending",
            "",
            count_attempt=True,
            check=(lambda conn: extend_lease(conn, lease, now)) if lease is not None else None,
            last_sent_at=now,
        )

    def _sending_marks(
        self, table: StateTable[E], conn: sqlite3.Connection, row_ids: Sequence[int], now: float
    ) -> dict[int, int]:
        """Inside a write transaction that proved the lease: each of `row_ids` still `queued`
        becomes `sending` (its attempt counted, `last_sent_at` now), with its history line;
        one found otherwise (in doubt, settled, gone) is left out. Two statements, whatever
        the number. Returns the attempts of those marked, by id."""
        if not row_ids:
            return {}
        marks = ",".join("?" * len(row_ids))
        # Only `queued`: an in-doubt entry is looked up before it may go (alone), and
        # `_unmark_sending` puts entries back to `queued`, never to in doubt.
        rows = conn.execute(
            f"UPDATE {table.table} SET state = ?, attempts = attempts + 1, last_sent_at = ?,"
            f" updated_at = ? WHERE {table.id_column} IN ({marks}) AND state = ?"
            f" RETURNING {table.id_column}, attempts",
            (EntryState.SENDING, now, now, *row_ids, EntryState.QUEUED),
        ).fetchall()
        attempts = {int(row[0]): int(row[1]) for row in rows}
        insert_rows(
            conn,
            f"INSERT INTO {table.attempts_table} ({table.id_column}, at, outcome, detail)",
            "(?, ?, 'sending', '')",
            [(row_id, now) for row_id in row_ids if row_id in attempts],
        )
        return attempts

    def _unmark_sending(self, table: StateTable[E], row_ids: list[int], detail: str) -> None:
        """Entries marked `sending` whose request was never started (the drain stopped
        first) go back to `queued`, the attempt uncounted, in one transaction. Not durable:
        should a power cut undo it, they are found `sending`, in doubt, and looked up."""

        def change(conn: sqlite3.Connection) -> None:
            for row_id in row_ids:
                updated = conn.execute(
                    f"UPDATE {table.table} SET state = ?, attempts = max(attempts - 1, 0),"
                    f" updated_at = ? WHERE {table.id_column} = ? AND state = ?",
                    (EntryState.QUEUED, self.now(), row_id, EntryState.SENDING),
                ).rowcount
                if updated:
                    self._record(table, conn, row_id, "not_sent", detail)

        self._db.write(change, durable=False)

    def _mark_in_doubt(
        self,
        table: StateTable[E],
        row_id: int,
        error: str,
        next_attempt_at: float | None,
        for_network: bool,
    ) -> E:
        return self._transition(
            table,
            row_id,
            (EntryState.SENDING, EntryState.IN_DOUBT),
            EntryState.IN_DOUBT,
            "in_doubt",
            error,
            last_error=error,
            next_attempt_at=next_attempt_at,
            waits_for_network=int(for_network),
        )

    def _mark_rejected(
        self, table: StateTable[E], row_id: int, server_message: str, error: str
    ) -> E:
        return self._transition(
            table,
            row_id,
            (EntryState.SENDING, EntryState.IN_DOUBT, EntryState.QUEUED),
            EntryState.REJECTED,
            "rejected",
            server_message or error,
            server_message=server_message,
            last_error=error,
            next_attempt_at=None,
        )

    # Any: the columns a hold sets pass on through `_transition`, whose flags mypy would
    # otherwise match them against.
    def _mark_held(self, table: StateTable[E], row_id: int, reason: str, /, **fields: Any) -> E:
        """Held for the coordinator; `fields` say what for (`held_for`, and what goes with it)."""
        return self._transition(
            table,
            row_id,
            (EntryState.QUEUED, EntryState.IN_DOUBT),
            EntryState.HELD,
            "held",
            reason,
            last_error=reason,
            next_attempt_at=None,
            **fields,
        )

    def _mark_unsent(self, table: StateTable[E], row_id: int, error: str) -> E:
        return self._transition(
            table,
            row_id,
            (EntryState.SENDING, EntryState.IN_DOUBT, EntryState.QUEUED),
            EntryState.QUEUED,
            "not_sent",
            error,
            last_error=error,
        )
