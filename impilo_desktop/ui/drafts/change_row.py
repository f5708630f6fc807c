"""`ChangeRow`: a patient's address or phone correction on its way to Impilo, as one row of
the Drafts & outbox table beside the orders (the same columns, in the coordinator's words)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from impilo_desktop.domain.patient_change import PatientContact
from impilo_desktop.domain.patient_change_rules import (
    changes_address,
    changes_phone,
    contact_lines,
)
from impilo_desktop.store import HELD_FOR_CHANGED, EntryState, PatientChangeEntry

STATE_TEXT = {
    EntryState.QUEUED: "Waiting to send",
    EntryState.SENDING: "Sending…",
    EntryState.IN_DOUBT: "Checking with Impilo",
    EntryState.SENT: "Applied",
    EntryState.REJECTED: "Refused by Impilo",
    EntryState.HELD: "Held: another server",
}
HELD_CHANGED_TEXT = "Held: changed in Impilo"


def contact_text(change_entry: PatientChangeEntry, contact: PatientContact) -> str:
    """The parts of `contact` this correction is about: the address, the phone, or both."""
    change = change_entry.change
    parts = []
    if changes_address(change) or not changes_phone(change):
        parts.append(contact_lines(contact.model_copy(update={"phone_number": ""})))
    if changes_phone(change):
        parts.append(f"phone {contact.phone_number.strip() or '(none)'}")
    return " · ".join(parts)


@dataclass(frozen=True)
class ChangeRow:
    """A queued correction (never a draft: nothing to open or duplicate)."""

    change: PatientChangeEntry

    is_draft = False
    can_open = False
    placed_order_id = None

    @property
    def key(self) -> str:
        return f"change:{self.change.change_id}"

    @property
    def state(self) -> EntryState:
        return self.change.state

    @property
    def held_as_changed(self) -> bool:
        """Held because the patient was changed in Impilo meanwhile (both values known)."""
        return self.change.state == EntryState.HELD and self.change.held_for == HELD_FOR_CHANGED

    @property
    def updated_at(self) -> datetime:
        when = self.change.updated_at
        return when if when.tzinfo else when.replace(tzinfo=UTC)

    @property
    def can_delete(self) -> bool:
        return self.change.state in (EntryState.REJECTED, EntryState.HELD)

    def state_text(self) -> str:
        return HELD_CHANGED_TEXT if self.held_as_changed else STATE_TEXT[self.change.state]

    def recipient_text(self) -> str:
        name = self.change.change.patient_name.strip()
        return name or f"Patient {self.change.patient_id}"

    def lines_text(self) -> str:
        """ "Address correction: 480 Larkspur Lane, Rhinebeck NY 12572"."""
        return f"{self.change.what()}: {contact_text(self.change, self.change.change.after)}"

    def found_text(self) -> str:
        """What Impilo held instead, for a change held as changed meanwhile."""
        found = self.change.found
        return contact_text(self.change, found) if found is not None else ""

    def message_text(self) -> str:
        entry = self.change
        if entry.state == EntryState.SENT:
            return "Impilo has the corrected details"
        if entry.state == EntryState.REJECTED:
            return entry.server_message or entry.last_error or "Impilo refused this correction."
        if self.held_as_changed:
            # The status says it changed; the details lead with what Impilo has now.
            return f"Impilo now has: {self.found_text()}. Apply yours anyway, or delete it."
        if entry.state == EntryState.HELD:
            return entry.last_error or "Queued for another server: discard it."
        if entry.last_error:
            tries = f" (tried {entry.attempts} times)" if entry.attempts > 1 else ""
            return f"{entry.last_error}{tries}"
        return "Goes out as soon as Impilo can be reached"
