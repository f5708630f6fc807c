"""What the outbox holds: entries, their states and their attempt history."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from enum import StrEnum
from functools import cached_property
from typing import Final

from sqlcipher3 import dbapi2 as sqlite3  # the stdlib API, encrypting: see cipher.py

from impilo_desktop.domain.draft import OrderDraft
from impilo_desktop.domain.patient_match import PatientMatch, load_matches
from impilo_desktop.store.drafts import load_draft


class EntryState(StrEnum):
    """Where an outbox entry is on its way to Impilo.

    queued    waiting to be sent (first time, or after a failure known not to have created it)
    sending   the request is about to leave or is on the wire (committed before the POST)
    in_doubt  the outcome is unknown; reconciled by reference before any resend
    sent      Impilo has the order (`order_id`)
    rejected  Impilo refused it (4xx); back with the user, with `server_message`
    held      waits for the user: older than the age limit (`held_for` 'age'), queued for
              another server than the profile's (`held_for` 'server'), or a new patient's
              order for whom Impilo already has a patient like them (`held_for`
              'patient_match', with `patient_matches`)
    """

    QUEUED = "queued"
    SENDING = "sending"
    IN_DOUBT = "in_doubt"
    SENT = "sent"
    REJECTED = "rejected"
    HELD = "held"


# States the sender works on; the others wait for the user (or are done).
PENDING_STATES = (EntryState.QUEUED, EntryState.SENDING, EntryState.IN_DOUBT)
# States that still need something to happen (shown as "not sent yet").
UNSENT_STATES = (*PENDING_STATES, EntryState.REJECTED, EntryState.HELD)


def _dt(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


@dataclass(frozen=True)
class OutboxEntry:
    """One submitted draft on its way to Impilo (a snapshot; re-read it to see changes).

    The draft is parsed from its stored JSON on first use of `draft`: the UI lists and counts
    the outbox after every change while orders are being sent, mostly for states, and
    parsing every draft each time kept the UI thread busy (docs/performance.md, "UI
    responsiveness").
    """

    entry_id: int
    client_reference: str
    draft_json: str = field(repr=False)
    state: EntryState
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    server_message: str | None
    order_id: int | None
    age_confirmed: bool
    created_at: datetime
    updated_at: datetime
    # The server (normalised base URL) it was queued for; None only for entries queued by a
    # version that did not record it (held until the user chooses).
    server: str | None = None
    held_for: str | None = None
    last_sent_at: datetime | None = None
    # Who Impilo already has like this order's new patient (JSON; `patient_matches`).
    patient_matches_json: str | None = field(default=None, repr=False)
    # The coordinator chose to create the new patient anyway: not checked again.
    new_patient_confirmed: bool = False
    # The import batch that queued it (a spreadsheet import, schema v10); None for an order
    # from the form, a duplicate or a JSON file: only imported entries are looked up by
    # their order_ref before they are sent (sync/order_ref_check.py).
    import_batch: str | None = None
    # How often a lookup before a create failed (schema v11): counts toward the backoff.
    check_failures: int = 0
    # Found already on Impilo by its order_ref and settled with that order, never sent by
    # this entry (schema v11): said as "Already on Impilo as order N (not sent again)".
    already_on_impilo: bool = False

    @cached_property
    def draft(self) -> OrderDraft:
        """The submitted draft, as it was when it entered the outbox."""
        return load_draft(self.draft_json)

    @cached_property
    def patient_matches(self) -> list[PatientMatch]:
        """The patients Impilo already has like the new patient (held 'patient_match')."""
        return load_matches(self.patient_matches_json)

    def marked_sending(self, attempts: int, at: float) -> OutboxEntry:
        """This entry as a `sending` mark committed at `at` left it (`attempts` counted),
        without reading it back; its draft, if already parsed, is kept rather than parsed
        again (the drain marks every entry it sends: docs/performance.md)."""
        when = _dt(at)
        # Every field copied by name (a field added later is copied too), four changed; of
        # the cached values only those parsed from JSON a mark leaves as it was: any other
        # cached property is computed again from the marked entry, never carried over stale.
        # ~2 µs where `dataclasses.replace` (the constructor) took ~7: it runs on the drain's
        # writes thread, holding the lock the event loop's thread needs. Sound while nothing
        # is computed in `__post_init__` (tests/store/test_sending_batch.py checks there is
        # none).
        source = self.__dict__
        marked = object.__new__(type(self))
        values = marked.__dict__
        for name in ENTRY_FIELDS:
            values[name] = source[name]
        values.update(
            state=EntryState.SENDING,
            attempts=attempts,
            last_sent_at=when,
            updated_at=when or self.updated_at,
        )
        for name in KEPT_BY_MARKS:
            if name in source:
                values[name] = source[name]
        return marked

    @property
    def is_pending(self) -> bool:
        """True while the sender will still try to deliver it without the user."""
        return self.state in PENDING_STATES

    def summary_line(self) -> str:
        """One line for lists and the command line."""
        text = f"#{self.entry_id} {self.state.value:<8} {self.client_reference}"
        text += f"  {self.draft.summary()}"
        if self.order_id is not None:
            text += f"  -> order {self.order_id}"
        problem = self.server_message or self.last_error
        if problem and self.state != EntryState.SENT:
            text += f"  ({problem})"
        return text

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> OutboxEntry:
        return cls(
            entry_id=int(row["entry_id"]),
            client_reference=str(row["client_reference"]),
            draft_json=row["body"],
            state=EntryState(row["state"]),
            attempts=int(row["attempts"]),
            next_attempt_at=_dt(row["next_attempt_at"]),
            last_error=row["last_error"],
            server_message=row["server_message"],
            order_id=row["order_id"],
            age_confirmed=bool(row["age_confirmed"]),
            created_at=_dt(row["created_at"]) or datetime.now(UTC),
            updated_at=_dt(row["updated_at"]) or datetime.now(UTC),
            server=row["server"],
            held_for=row["held_for"],
            last_sent_at=_dt(row["last_sent_at"]),
            patient_matches_json=row["patient_matches"],
            new_patient_confirmed=bool(row["new_patient_confirmed"]),
            import_batch=row["import_batch"],
            check_failures=int(row["check_failures"]),
            already_on_impilo=bool(row["already_placed"]),
        )


# The names `OutboxEntry.marked_sending` copies: every field, and the cached values parsed
# from a column no mark changes (`draft_json`, `patient_matches_json`).
ENTRY_FIELDS: Final = tuple(item.name for item in fields(OutboxEntry))
KEPT_BY_MARKS: Final = ("draft", "patient_matches")


def already_on_impilo_words(order_id: int | None) -> str:
    """What the Drafts page and an import's summary say of an entry settled with an order
    Impilo already had (`OutboxEntry.already_on_impilo`)."""
    return f"Already on Impilo as order {order_id} (not sent again)"


@dataclass(frozen=True)
class OutboxAttempt:
    """One line of an entry's history: what happened, when."""

    entry_id: int
    at: datetime
    outcome: str
    detail: str


@dataclass(frozen=True)
class LockHolder:
    """Who holds the sender lock (for messages such as "another sender is running")."""

    owner: str
    pid: int
    hostname: str
    expires_at: datetime


@dataclass(frozen=True)
class OutboxSummary:
    """The outbox in four numbers, for counters and schedules (read in one transaction).
    Orders and the patients' address and phone corrections are counted together.

    `pending`: entries the sender will still deliver by itself; `attention`: entries waiting
    for the coordinator (refused, held); `paused`: why sending is paused, if it is;
    `next_due_at`: when the earliest scheduled retry is due (epoch seconds)."""

    pending: int = 0
    attention: int = 0
    # Of `pending`, the address and phone corrections (the rest are orders).
    pending_corrections: int = 0
    paused: str | None = None
    next_due_at: float | None = None
