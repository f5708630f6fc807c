"""The patient-change outbox: corrections of a patient's address or phone waiting to be sent
to Impilo (`PATCH /patient/{id}`), and every state change they go through.

Like the order outbox (outbox.py), each change of state is one committed transaction, so a
crash leaves every change in a state the sender continues from. PATCH carries no reference of
ours: exactly once rests on the change's `before`, which the sender compares with the patient
re-read from Impilo before every PATCH (sync/patient_changes.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlcipher3 import dbapi2 as sqlite3  # the stdlib API, encrypting: see cipher.py

from impilo_desktop.domain.patient_change import PatientChange, PatientContact
from impilo_desktop.store.entries import EntryState
from impilo_desktop.store.errors import EntryStateError
from impilo_desktop.store.patient_change_entry import HELD_FOR_CHANGED, PatientChangeEntry
from impilo_desktop.store.sender_lock import SenderLease
from impilo_desktop.store.state_table import StateTable, StateTableMixin

CHANGE_REFERENCE_PREFIX = "impilo-desktop-change-"
# States in which a change still waits for the sender or the coordinator.
OPEN_CHANGE_STATES = ("queued", "sending", "in_doubt", "held", "rejected")


# A patient's later correction waits while an earlier one is open (queued, sending, in doubt,
# held or refused): the later one starts from the earlier one's `after`, and an earlier PATCH
# arriving late would otherwise leave Impilo holding the older address while both say sent.
# Patient ids belong to one server, so only corrections for the same server wait on each other.
_FIRST = (
    " AND NOT EXISTS (SELECT 1 FROM patient_changes AS earlier"
    " WHERE earlier.patient_id = patient_changes.patient_id"
    " AND earlier.server = patient_changes.server"
    " AND earlier.change_id < patient_changes.change_id"
    f" AND earlier.state IN ({', '.join(repr(s) for s in OPEN_CHANGE_STATES)}))"
)


def new_change_reference() -> str:
    """A fresh reference for a change: kept locally, to name it in logs and lists."""
    return f"{CHANGE_REFERENCE_PREFIX}{uuid.uuid4().hex[:20]}"


PATIENT_CHANGES: StateTable[PatientChangeEntry] = StateTable(
    table="patient_changes",
    id_column="change_id",
    attempts_table="patient_change_attempts",
    from_row=PatientChangeEntry.from_row,
    name="Patient change",
    missing_name="Patient change",
)


class PatientChangesMixin(StateTableMixin):
    """Queueing corrections, listing them, and the state changes the sender and user make."""

    # -- for the user ---------------------------------------------------------------------

    def enqueue_patient_change(self, change: PatientChange, *, server: str) -> PatientChangeEntry:
        """Queue `change` for `server` (the profile's normalised base URL) in ONE transaction,
        with a new reference. A change that changes nothing raises ValueError."""
        if change.before == change.after:
            raise ValueError("The patient's address and phone are unchanged: nothing to send.")
        reference = new_change_reference()
        now = self.now()

        def insert(conn: sqlite3.Connection) -> PatientChangeEntry:
            cursor = conn.execute(
                "INSERT INTO patient_changes (client_reference, patient_id, body, server, state,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    reference,
                    change.patient_id,
                    change.model_dump_json(),
                    server,
                    EntryState.QUEUED,
                    now,
                    now,
                ),
            )
            change_id = int(cursor.lastrowid or 0)
            self._record(PATIENT_CHANGES, conn, change_id, "queued", reference)
            return PATIENT_CHANGES.fetch(conn, change_id)

        return self._db.write(insert)

    def list_patient_changes(
        self, states: Iterable[EntryState] | None = None
    ) -> list[PatientChangeEntry]:
        """Changes, oldest first, optionally only those in `states`."""
        return self._list(PATIENT_CHANGES, states)

    def list_patient_changes_recent(self, sent_limit: int) -> list[PatientChangeEntry]:
        """Every change not yet sent, and the `sent_limit` most recently sent ones (newest
        first within each), for the Drafts & outbox page."""

        def query(conn: sqlite3.Connection) -> list[sqlite3.Row]:
            unsent = conn.execute(
                "SELECT * FROM patient_changes WHERE state != 'sent' ORDER BY change_id DESC"
            ).fetchall()
            sent = conn.execute(
                "SELECT * FROM patient_changes WHERE state = 'sent'"
                " ORDER BY updated_at DESC, change_id DESC LIMIT ?",
                (sent_limit,),
            ).fetchall()
            return [*unsent, *sent]

        return [PatientChangeEntry.from_row(row) for row in self._db.read(query)]

    def get_patient_change(self, change_id: int) -> PatientChangeEntry:
        """One change; `EntryNotFoundError` when it does not exist."""
        return self._db.read(lambda conn: PATIENT_CHANGES.fetch(conn, change_id))

    def open_patient_change(self, patient_id: int, *, server: str) -> PatientChangeEntry | None:
        """The latest correction of this patient (on `server`) not sent yet, waiting or
        waiting for the coordinator, or None: the address dialog says it is on its way and
        starts from its `after`, which the sender delivers first (see `_FIRST`)."""
        marks = ",".join("?" * len(OPEN_CHANGE_STATES))
        row = self._db.read(
            lambda conn: conn.execute(
                "SELECT * FROM patient_changes WHERE patient_id = ? AND server = ?"
                f" AND state IN ({marks}) ORDER BY change_id DESC LIMIT 1",
                (patient_id, server, *OPEN_CHANGE_STATES),
            ).fetchone()
        )
        return None if row is None else PatientChangeEntry.from_row(row)

    def discard_patient_change(self, change_id: int) -> None:
        """Delete a held or refused change the coordinator no longer wants sent."""
        self._discard(PATIENT_CHANGES, change_id, "only held or refused changes can be discarded.")

    def apply_patient_change_anyway(self, change_id: int) -> PatientChangeEntry:
        """The coordinator saw a correction held as changed in Impilo meanwhile and wants it
        sent after all: what Impilo was found holding becomes its `before`, so the sender
        sends it only while Impilo still holds that (a third value holds it again).

        One held for its server is never re-addressed (`EntryStateError`): patient numbers
        belong to one server, and the same number elsewhere is another person. It can only
        be discarded, and the address corrected again from the order on the new server."""

        def release(conn: sqlite3.Connection) -> PatientChangeEntry:
            entry = PATIENT_CHANGES.fetch(conn, change_id)
            if entry.state != EntryState.HELD or entry.held_for != HELD_FOR_CHANGED:
                raise EntryStateError(
                    f"Patient change #{change_id} is not held as changed in Impilo meanwhile;"
                    " it can only be discarded."
                )
            found = entry.found or entry.change.before
            change = entry.change.model_copy(update={"before": found})
            self._set(
                PATIENT_CHANGES,
                conn,
                change_id,
                state=EntryState.QUEUED,
                held_for=None,
                found=None,
                next_attempt_at=None,
                last_error=None,
                body=change.model_dump_json(),
            )
            self._record(
                PATIENT_CHANGES,
                conn,
                change_id,
                "released",
                "applied anyway by the user over what Impilo held",
            )
            return PATIENT_CHANGES.fetch(conn, change_id)

        return self._db.write(release)

    # -- for the sender (hold the sender lock when calling these) ----------------------------

    def recover_interrupted_changes(self) -> list[int]:
        """Changes left `sending` by a sender that died: whether their PATCH arrived is
        unknown, so they become `in_doubt` (re-read before anything is sent again)."""
        return self._recover_interrupted(PATIENT_CHANGES)

    def due_patient_changes(
        self, *, due_only: bool = True, waiting_for_network: bool = False
    ) -> list[PatientChangeEntry]:
        """Changes the sender should work on now, oldest first (as `due_entries`): only a
        patient's oldest open correction, so two never race (see `_FIRST`)."""
        return self._due(PATIENT_CHANGES, due_only, waiting_for_network, _FIRST)

    def mark_change_sending(
        self, change_id: int, lease: SenderLease | None = None
    ) -> PatientChangeEntry:
        """Committed BEFORE the PATCH, in the transaction that proves and extends `lease`
        (`SenderLockLost`, nothing changed, when the lock is no longer this sender's)."""
        return self._mark_sending(PATIENT_CHANGES, change_id, lease)

    def mark_change_sent(self, change_id: int, detail: str) -> PatientChangeEntry:
        """Impilo holds the change's `after` (sent now, or found so: `detail` says which)."""
        return self._transition(
            PATIENT_CHANGES,
            change_id,
            (EntryState.SENDING, EntryState.IN_DOUBT, EntryState.QUEUED),
            EntryState.SENT,
            "sent",
            detail,
            last_error=None,
            next_attempt_at=None,
        )

    def mark_change_in_doubt(
        self,
        change_id: int,
        error: str,
        next_attempt_at: float | None = None,
        *,
        for_network: bool = False,
    ) -> PatientChangeEntry:
        """Whether the PATCH arrived is unknown: re-read the patient before any resend."""
        return self._mark_in_doubt(PATIENT_CHANGES, change_id, error, next_attempt_at, for_network)

    def mark_change_retry(
        self,
        change_id: int,
        error: str,
        next_attempt_at: float | None,
        *,
        for_network: bool = False,
    ) -> PatientChangeEntry:
        """Nothing was changed (a 429, no connection, a failed re-read): queued again."""
        return self._transition(
            PATIENT_CHANGES,
            change_id,
            (EntryState.SENDING, EntryState.QUEUED),
            EntryState.QUEUED,
            "retry",
            error,
            last_error=error,
            next_attempt_at=next_attempt_at,
            waits_for_network=int(for_network),
        )

    def mark_change_rejected(
        self, change_id: int, server_message: str, error: str
    ) -> PatientChangeEntry:
        """Impilo refused the change (4xx); it waits for the coordinator with the message."""
        return self._mark_rejected(PATIENT_CHANGES, change_id, server_message, error)

    def mark_change_held(
        self,
        change_id: int,
        reason: str,
        *,
        held_for: str,
        found: PatientContact | None = None,
    ) -> PatientChangeEntry:
        """Not to be sent without the coordinator: queued for another server, or the patient
        was changed in Impilo meanwhile (`found`: what Impilo holds now)."""
        return self._mark_held(
            PATIENT_CHANGES,
            change_id,
            reason,
            held_for=held_for,
            found=None if found is None else found.model_dump_json(),
        )

    def mark_change_unsent(self, change_id: int, error: str) -> PatientChangeEntry:
        """The PATCH certainly changed nothing (the key was refused): queued, no schedule."""
        return self._mark_unsent(PATIENT_CHANGES, change_id, error)

    def prune_sent_changes(self, older_than: float) -> int:
        """Forget changes sent more than `older_than` seconds ago: they hold a patient's
        address and phone, which this computer keeps no longer than it shows them."""
        return self._prune_sent(PATIENT_CHANGES, older_than)
