"""The outbox: submitted drafts waiting to become orders, and every state change they go
through. Each change is one committed transaction, so a crash at any point leaves every entry
in a state the sender knows how to continue from (see docs/architecture.md "Exactly once")."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlcipher3 import dbapi2 as sqlite3  # the stdlib API, encrypting: see cipher.py

from impilo_desktop.api.models import Order
from impilo_desktop.domain.draft import OrderDraft
from impilo_desktop.store.cache import insert_orders
from impilo_desktop.store.drafts import CURRENT_DRAFT_KEY, draft_json, load_draft, upsert_draft
from impilo_desktop.store.entries import (
    PENDING_STATES,
    EntryState,
    OutboxAttempt,
    OutboxEntry,
    OutboxSummary,
)
from impilo_desktop.store.errors import EntryStateError
from impilo_desktop.store.sender_lock import SenderLease
from impilo_desktop.store.state_table import StateTable, StateTableMixin

REFERENCE_PREFIX = "impilo-desktop-"
# The states an entry becomes `sent` from.
SENT_FROM = (EntryState.SENDING, EntryState.IN_DOUBT)
PAUSE_KEY = "outbox_paused"


def new_client_reference() -> str:
    """A fresh client reference: sent in `externalOrderIds`, never changed afterwards."""
    return f"{REFERENCE_PREFIX}{uuid.uuid4().hex[:20]}"


OUTBOX: StateTable[OutboxEntry] = StateTable(
    table="outbox",
    id_column="entry_id",
    attempts_table="outbox_attempts",
    from_row=OutboxEntry.from_row,
    name="Entry",
    missing_name="Outbox entry",
)


class OutboxMixin(StateTableMixin):
    """Queueing drafts, listing entries, and the state changes the sender and user make."""

    # -- for the user ---------------------------------------------------------------------

    def enqueue(
        self,
        draft: OrderDraft,
        *,
        server: str,
        validate: bool = True,
        new_patient_confirmed: bool = False,
    ) -> OutboxEntry:
        """Move a draft into the outbox in ONE transaction: a new entry with a new client
        reference is inserted and the saved draft (if any) deleted.

        `server` is the normalised base URL of the profile it is queued on; the sender sends
        the entry there and nowhere else.

        With `validate` (the default) an invalid draft raises the domain's `DraftInvalid`
        and nothing changes. `new_patient_confirmed`: the coordinator already saw what Impilo
        holds like this new patient and chose to create one anyway, so the sender does not
        hold the order to ask again (sync/patient_check.py).
        """
        if validate:
            from impilo_desktop.domain import DraftInvalid, validate_draft

            problems = validate_draft(draft)
            if problems:
                raise DraftInvalid(problems)
        reference = new_client_reference()
        now = self.now()

        def move(conn: sqlite3.Connection) -> OutboxEntry:
            cursor = conn.execute(
                "INSERT INTO outbox (client_reference, draft_id, body, state, server,"
                " new_patient_confirmed, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    reference,
                    draft.draft_id,
                    draft_json(draft),
                    EntryState.QUEUED,
                    server,
                    int(new_patient_confirmed),
                    now,
                    now,
                ),
            )
            entry_id = int(cursor.lastrowid or 0)
            self._record(OUTBOX, conn, entry_id, "queued", reference)
            conn.execute("DELETE FROM drafts WHERE draft_id = ?", (draft.draft_id,))
            conn.execute(
                "DELETE FROM app_state WHERE key = ? AND value = ?",
                (CURRENT_DRAFT_KEY, draft.draft_id),
            )
            return OUTBOX.fetch(conn, entry_id)

        return self._db.write(move)

    def list_outbox(self, states: Iterable[EntryState] | None = None) -> list[OutboxEntry]:
        """Entries, oldest first, optionally only those in `states`."""
        return self._list(OUTBOX, states)

    def list_outbox_recent(self, sent_limit: int) -> tuple[list[OutboxEntry], int]:
        """Every entry not yet sent, and the `sent_limit` most recently sent ones (newest
        first within each); also how many sent entries were left out. For pages that show
        the outbox without reading all of its history."""

        def query(conn: sqlite3.Connection) -> tuple[list[sqlite3.Row], int]:
            unsent = conn.execute(
                "SELECT * FROM outbox WHERE state != 'sent' ORDER BY entry_id DESC"
            ).fetchall()
            sent = conn.execute(
                "SELECT * FROM outbox WHERE state = 'sent' ORDER BY updated_at DESC,"
                " entry_id DESC LIMIT ?",
                (sent_limit,),
            ).fetchall()
            total_sent = conn.execute(
                "SELECT count(*) FROM outbox WHERE state = 'sent'"
            ).fetchone()[0]
            return [*unsent, *sent], int(total_sent) - len(sent)

        rows, more = self._db.read(query)
        return [OutboxEntry.from_row(row) for row in rows], more

    def prune_sent(self, older_than: float) -> int:
        """Forget sent entries whose order was placed more than `older_than` seconds ago
        (the order itself stays in the order cache and on Impilo). Returns how many."""
        return self._prune_sent(OUTBOX, older_than)

    def get_entry(self, entry_id: int) -> OutboxEntry:
        """One entry; `EntryNotFoundError` when it does not exist."""
        return self._db.read(lambda conn: OUTBOX.fetch(conn, entry_id))

    def find_entry(self, client_reference: str) -> OutboxEntry | None:
        """The entry with this client reference, or None."""
        row = self._db.read(
            lambda conn: conn.execute(
                "SELECT * FROM outbox WHERE client_reference = ?", (client_reference,)
            ).fetchone()
        )
        return None if row is None else OutboxEntry.from_row(row)

    def outbox_external_ids(self) -> dict[int, frozenset[str]]:
        """The external order ids of every entry that still stands for an order (all but
        rejected ones, which go back to the user to be fixed), trimmed as they are sent and
        with the entry's own client reference, by entry id. For recognising an order file
        imported before; one query over the stored drafts."""

        def query(conn: sqlite3.Connection) -> list[sqlite3.Row]:
            # json_valid first: a body that is not JSON must not read as a damaged database.
            return conn.execute(
                "SELECT entry_id, client_reference AS value FROM outbox WHERE state != 'rejected'"
                " UNION ALL"
                " SELECT o.entry_id, trim(e.value) FROM outbox AS o, json_each("
                "   CASE WHEN json_valid(o.body) THEN o.body ELSE '{}' END,"
                "   '$.external_order_ids') AS e"
                " WHERE o.state != 'rejected' AND e.type = 'text' AND trim(e.value) != ''"
            ).fetchall()

        found: dict[int, set[str]] = {}
        for row in self._db.read(query):
            found.setdefault(int(row[0]), set()).add(str(row[1]))
        return {entry_id: frozenset(ids) for entry_id, ids in found.items()}

    def entry_history(self, entry_id: int) -> list[OutboxAttempt]:
        """What happened to an entry, oldest first."""
        from datetime import UTC, datetime

        rows = self._db.read(
            lambda conn: conn.execute(
                "SELECT * FROM outbox_attempts WHERE entry_id = ? ORDER BY attempt_id",
                (entry_id,),
            ).fetchall()
        )
        return [
            OutboxAttempt(
                entry_id=int(r["entry_id"]),
                at=datetime.fromtimestamp(r["at"], UTC),
                outcome=r["outcome"],
                detail=r["detail"],
            )
            for r in rows
        ]

    def outbox_summary(self) -> OutboxSummary:
        """Counts, the pause and the next retry time, in one read."""

        def query(conn: sqlite3.Connection) -> OutboxSummary:
            # Address and phone corrections count as entries too (store/patient_changes.py).
            counts = dict(
                conn.execute(
                    "SELECT state, count(*) FROM (SELECT state FROM outbox"
                    " UNION ALL SELECT state FROM patient_changes) GROUP BY state"
                ).fetchall()
            )
            corrections = dict(
                conn.execute("SELECT state, count(*) FROM patient_changes GROUP BY state")
            )
            paused = conn.execute(
                "SELECT value FROM app_state WHERE key = ?", (PAUSE_KEY,)
            ).fetchone()
            due = conn.execute(
                "SELECT min(coalesce(next_attempt_at, 0)) FROM (SELECT state, next_attempt_at"
                " FROM outbox UNION ALL SELECT state, next_attempt_at FROM patient_changes)"
                " WHERE state IN ('queued', 'in_doubt')"
            ).fetchone()
            return OutboxSummary(
                pending=sum(counts.get(s.value, 0) for s in PENDING_STATES),
                attention=counts.get("rejected", 0) + counts.get("held", 0),
                pending_corrections=sum(corrections.get(s.value, 0) for s in PENDING_STATES),
                paused=None if paused is None else str(paused[0]),
                next_due_at=None if due is None or due[0] is None else float(due[0]),
            )

        return self._db.read(query)

    def release_held(self, entry_id: int, *, server: str) -> OutboxEntry:
        """The user confirmed a held entry: it goes back to the sender. One held for its age
        is not held for its age again; one held for its server is sent to `server` (the
        profile's server now, which the user was shown). An entry that was ever attempted is
        reconciled first (in_doubt)."""

        def release(conn: sqlite3.Connection) -> OutboxEntry:
            entry = OUTBOX.fetch(conn, entry_id)
            if entry.state != EntryState.HELD:
                raise EntryStateError(f"Entry #{entry_id} is {entry.state.value}, not held.")
            if entry.held_for == "patient_match":  # answered in store/patient_matches.py
                raise EntryStateError(
                    f"Entry #{entry_id} waits for a choice: use the patient Impilo already"
                    " has, or create a new patient anyway."
                )
            state = EntryState.IN_DOUBT if entry.attempts else EntryState.QUEUED
            fields: dict[str, object] = {"state": state, "held_for": None, "next_attempt_at": None}
            if entry.held_for == "server":
                fields["server"] = server
                detail = f"confirmed by the user for {server}"
            else:
                fields["age_confirmed"] = 1
                detail = "confirmed by the user"
            self._set(OUTBOX, conn, entry_id, **fields)
            self._record(OUTBOX, conn, entry_id, "released", detail)
            return OUTBOX.fetch(conn, entry_id)

        return self._db.write(release)

    def return_to_drafts(self, entry_id: int) -> OrderDraft:
        """Give a rejected or held entry back to the user as a draft (one transaction): the
        draft is saved again and the entry removed, so it can be fixed and submitted anew
        (it then gets a new client reference)."""

        def back(conn: sqlite3.Connection) -> OrderDraft:
            entry = OUTBOX.fetch(conn, entry_id)
            if entry.state not in (EntryState.REJECTED, EntryState.HELD):
                raise EntryStateError(
                    f"Entry #{entry_id} is {entry.state.value}; only rejected or held entries "
                    "can be reopened."
                )
            draft = entry.draft
            upsert_draft(conn, draft, self.now())
            conn.execute("DELETE FROM outbox WHERE entry_id = ?", (entry_id,))
            return draft

        return self._db.write(back)

    def discard_entry(self, entry_id: int) -> None:
        """Delete a rejected or held entry the user no longer wants."""
        self._discard(OUTBOX, entry_id, "only rejected or held entries can be discarded.")

    def outbox_paused(self) -> str | None:
        """Why sending is paused (e.g. "API key rejected"), or None."""
        row = self._db.read(
            lambda conn: conn.execute(
                "SELECT value FROM app_state WHERE key = ?", (PAUSE_KEY,)
            ).fetchone()
        )
        return None if row is None else str(row[0])

    def pause_outbox(self, reason: str) -> None:
        """Stop all sending until `resume_outbox` (e.g. after the key was rejected)."""
        self._db.write(
            lambda conn: conn.execute(
                "INSERT OR REPLACE INTO app_state (key, value) VALUES (?, ?)", (PAUSE_KEY, reason)
            )
        )

    def resume_outbox(self) -> None:
        """Allow sending again (after the user entered a new key)."""
        self._db.write(
            lambda conn: conn.execute("DELETE FROM app_state WHERE key = ?", (PAUSE_KEY,))
        )

    # -- for the sender (hold the sender lock when calling these) ----------------------------

    def recover_interrupted(self) -> list[int]:
        """Entries left in `sending` by a sender that died: their outcome is unknown, so they
        become `in_doubt`. Returns their ids."""
        return self._recover_interrupted(OUTBOX)

    def due_entries(
        self, *, due_only: bool = True, waiting_for_network: bool = False
    ) -> list[OutboxEntry]:
        """Entries the sender should work on now, oldest first (`due_only=False` ignores the
        backoff schedule, for "send now"; `waiting_for_network` adds the entries whose wait
        was only for the connection to come back, for "Impilo answers again")."""
        return self._due(OUTBOX, due_only, waiting_for_network)

    def mark_sending(self, entry_id: int, lease: SenderLease | None = None) -> OutboxEntry:
        """Committed BEFORE the POST: if we die from here on, the entry is in doubt.

        With `lease`, the same transaction extends the sender lock of `lease.owner`, and
        raises `SenderLockLost` (changing nothing) unless that owner still holds it: a
        sender that lost its lock while it waited can never start another create.
        """
        return self._mark_sending(OUTBOX, entry_id, lease)

    def mark_sent(
        self, entry_id: int, order_id: int, detail: str = "", *, order: Order | None = None
    ) -> OutboxEntry:
        """Impilo has the order; `order` (if given) goes into the order cache in the same
        transaction.

        Committed without waiting for the disk: should a power cut undo it, the entry is back
        in `sending`, becomes `in_doubt` and is adopted by reference, never sent twice. (The
        `sending` mark before the POST is the one that must be durable.)"""
        now = self.now()
        return self._transition(
            OUTBOX,
            entry_id,
            (EntryState.SENDING, EntryState.IN_DOUBT),
            EntryState.SENT,
            "sent",
            detail or f"order {order_id}",
            also=(lambda conn: insert_orders(conn, [order], now)) if order is not None else None,
            durable=False,
            order_id=order_id,
            last_error=None,
            next_attempt_at=None,
        )

    def mark_in_doubt(
        self,
        entry_id: int,
        error: str,
        next_attempt_at: float | None = None,
        *,
        for_network: bool = False,
    ) -> OutboxEntry:
        """The outcome is unknown; reconcile by reference before any resend. `for_network`:
        the wait is only for the connection to come back (see `due_entries`)."""
        return self._mark_in_doubt(OUTBOX, entry_id, error, next_attempt_at, for_network)

    def mark_retry(
        self,
        entry_id: int,
        error: str,
        next_attempt_at: float | None,
        *,
        reconcile: bool,
        for_network: bool = False,
    ) -> OutboxEntry:
        """A failure that is worth retrying later. `reconcile=False` only when the request
        certainly did not create the order (e.g. 429, refused connection). `for_network`:
        the wait is only for the connection to come back, not one the server asked for."""
        state = EntryState.IN_DOUBT if reconcile else EntryState.QUEUED
        return self._transition(
            OUTBOX,
            entry_id,
            (EntryState.SENDING, EntryState.IN_DOUBT, EntryState.QUEUED),
            state,
            "retry",
            error,
            last_error=error,
            next_attempt_at=next_attempt_at,
            waits_for_network=int(for_network),
        )

    def mark_rejected(self, entry_id: int, server_message: str, error: str) -> OutboxEntry:
        """Impilo refused the order; the draft goes back to the user with its message."""
        return self._mark_rejected(OUTBOX, entry_id, server_message, error)

    def mark_held(self, entry_id: int, reason: str, *, held_for: str = "age") -> OutboxEntry:
        """Not to be sent without asking the user: too old (`held_for='age'`), or queued for
        another server than the profile's (`held_for='server'`)."""
        return self._mark_held(OUTBOX, entry_id, reason, held_for=held_for)

    def mark_unsent(self, entry_id: int, error: str) -> OutboxEntry:
        """The request certainly did not create the order (e.g. the key was refused): back to
        queued, no schedule (the outbox is paused instead)."""
        return self._mark_unsent(OUTBOX, entry_id, error)

    def record_attempt(self, entry_id: int, outcome: str, detail: str = "") -> None:
        """Add a line to the entry's history without changing its state."""
        self._db.write(lambda conn: self._record(OUTBOX, conn, entry_id, outcome, detail))


__all__ = ["OutboxMixin", "load_draft", "new_client_reference"]
