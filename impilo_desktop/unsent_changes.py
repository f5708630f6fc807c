"""Address and phone corrections not yet sent, for the questions before a profile's data is
deleted (sign-out, leaving a session-only account, `profile remove`): counted and listed
beside the unsent orders, and exported as a plain text file each.

A correction is written as text, not as a file to import: it is bound to a patient's number
on one server and to the address it started from, and whoever keeps it types it into Impilo
(or corrects the address again from the order) once they have checked it with the patient.
No Qt here: the command line uses this as the app does."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from impilo_desktop.domain.patient_change_rules import contact_lines
from impilo_desktop.store import UNSENT_STATES, EntryState, PatientChangeEntry, Store

FILE_STEM = "unsent-address-correction"

_STATE_WORDS = {
    EntryState.QUEUED: "waiting to be sent",
    EntryState.SENDING: "being sent",
    EntryState.IN_DOUBT: "sent, not yet confirmed by Impilo",
    EntryState.REJECTED: "refused by Impilo",
    EntryState.HELD: "held, waiting for you",
}


def unsent_changes(store: Store) -> list[PatientChangeEntry]:
    """Corrections that have not reached Impilo (waiting, in doubt, refused, held)."""
    return store.list_patient_changes(UNSENT_STATES)


def change_line(entry: PatientChangeEntry, waited: str) -> str:
    """One line for the questions and the command line: "Address correction for Jane Doe
    (patient 10001), waiting 3 h (refused: ...)"; no address (terminals, logs)."""
    line = f"{entry.title()} (patient {entry.patient_id}), waiting {waited}"
    problem = entry.server_message or entry.last_error
    if problem:
        line += f" ({entry.state.value.replace('_', ' ')}: {problem})"
    return line


def change_file_text(entry: PatientChangeEntry) -> str:
    """The correction in plain words, for a person to enter in Impilo by hand."""
    change = entry.change
    name = change.patient_name.strip() or "(name not recorded)"
    order = f"order {change.order_id}" if change.order_id is not None else "no order"
    created = entry.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"{entry.what()} NOT SENT to Impilo",
        "",
        f"Patient:     {name}, patient number {change.patient_id} on {entry.server}",
        f"For:         {order}",
        f"Queued:      {created}",
        f"State:       {_STATE_WORDS.get(entry.state, entry.state.value)}",
        f"Was:         {contact_lines(change.before)}",
        f"Correct to:  {contact_lines(change.after)}",
    ]
    problem = entry.server_message or entry.last_error
    if problem:
        lines.append(f"Last answer: {problem}")
    lines += [
        "",
        "Impilo Desktop did not send this correction, and this computer no longer keeps it.",
        "Check the address with the patient, then enter it in Impilo, or correct it again",
        "from the order in Impilo Desktop. This file contains patient data: delete it after.",
    ]
    return "\n".join(lines) + "\n"


def counted(orders: int, changes: int) -> str:
    """ "1 order", "2 orders and 1 address correction", "1 address correction"."""
    parts = []
    if orders or not changes:
        parts.append("1 order" if orders == 1 else f"{orders} orders")
    if changes:
        parts.append("1 address correction" if changes == 1 else f"{changes} address corrections")
    return " and ".join(parts)


def split(entries: Iterable[object]) -> tuple[int, int]:
    """How many of `entries` are orders, and how many corrections."""
    items: Sequence[object] = list(entries)
    changes = sum(isinstance(e, PatientChangeEntry) for e in items)
    return len(items) - changes, changes


def waiting_since(created_at: datetime, now: datetime | None = None) -> str:
    """How long something has waited, as a coordinator says it: "5 min", "3 h", "2 days"."""
    seconds = max(((now or datetime.now(UTC)) - created_at).total_seconds(), 0)
    if seconds < 3600:
        return f"{max(int(seconds // 60), 1)} min"
    if seconds < 2 * 86400:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} days"
