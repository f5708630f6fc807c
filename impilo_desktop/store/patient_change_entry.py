"""What the patient-change outbox holds: one correction of a patient's address or phone on
its way to Impilo (`PATCH /patient/{id}`), with the outbox's states (`EntryState`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlcipher3 import dbapi2 as sqlite3  # the stdlib API, encrypting: see cipher.py

from impilo_desktop.domain.patient_change import PatientChange, PatientContact
from impilo_desktop.store.entries import PENDING_STATES, EntryState

# Why a held change waits for the coordinator (`held_for`).
HELD_FOR_SERVER = "server"  # queued for another server than the profile's
HELD_FOR_CHANGED = "changed"  # Impilo holds neither `before` nor `after`: changed meanwhile


def _dt(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


@dataclass(frozen=True)
class PatientChangeEntry:
    """One queued correction (a snapshot; re-read it to see changes).

    states as `OutboxEntry`: queued, sending (committed before the PATCH), in_doubt (re-read
    before anything more is sent), sent, rejected (a 4xx, `server_message`), held (`held_for`:
    'server', or 'changed' with what Impilo held instead in `found`)."""

    change_id: int
    client_reference: str
    change: PatientChange
    server: str
    state: EntryState
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    server_message: str | None
    created_at: datetime
    updated_at: datetime
    held_for: str | None = None
    found: PatientContact | None = None
    last_sent_at: datetime | None = None

    @property
    def patient_id(self) -> int:
        return self.change.patient_id

    @property
    def is_pending(self) -> bool:
        """True while the sender will still deliver it without the coordinator."""
        return self.state in PENDING_STATES

    def what(self) -> str:
        """ "Address correction", "Phone correction" or "Address and phone correction"."""
        change = self.change
        address = change.before.address != change.after.address
        phone = change.before.phone_number != change.after.phone_number
        if address and phone:
            return "Address and phone correction"
        return "Phone correction" if phone else "Address correction"

    def title(self) -> str:
        """ "Address correction for Jane Doe" (the patient's number when no name is known)."""
        name = self.change.patient_name.strip() or f"patient {self.patient_id}"
        return f"{self.what()} for {name}"

    def summary_line(self) -> str:
        """One line for the command line's outbox list (no address: logs and terminals)."""
        text = f"change #{self.change_id} {self.state.value:<8} {self.title()}"
        problem = self.server_message or self.last_error
        if problem and self.state != EntryState.SENT:
            text += f"  ({problem})"
        return text

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> PatientChangeEntry:
        found = row["found"]
        return cls(
            change_id=int(row["change_id"]),
            client_reference=str(row["client_reference"]),
            change=PatientChange.model_validate_json(row["body"]),
            server=str(row["server"]),
            state=EntryState(row["state"]),
            attempts=int(row["attempts"]),
            next_attempt_at=_dt(row["next_attempt_at"]),
            last_error=row["last_error"],
            server_message=row["server_message"],
            created_at=_dt(row["created_at"]) or datetime.now(UTC),
            updated_at=_dt(row["updated_at"]) or datetime.now(UTC),
            held_for=row["held_for"],
            found=None if found is None else PatientContact.model_validate_json(found),
            last_sent_at=_dt(row["last_sent_at"]),
        )
