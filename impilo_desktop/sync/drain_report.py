"""What a drain of the outbox did: one result per entry worked on (`EntryResult`, with its
`Outcome`), the address corrections' results, and why it stopped early (`StopReason`). The
sender (sender.py) and the correction sender (patient_change_sender.py) fill a `DrainReport`;
the command line and the window read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from impilo_desktop.store import EntryState

if TYPE_CHECKING:
    from impilo_desktop.sync.patient_change_sender import ChangeResult

API_KEY_REJECTED = "API key rejected"
# What the app and the command line say when a drain found the sender lock taken (lock_busy).
ANOTHER_SENDER = "Another copy of Impilo Desktop is sending these orders"


class StopReason(StrEnum):
    """Why a drain stopped before the end (`DrainReport.stopped`). The value is what the
    command line prints; the window says each in its own words (ui/drafts/send_now.py)."""

    OFFLINE = "offline"
    UNTRUSTED = "the connection's certificate is not trusted"
    PROXY_REFUSED = "the proxy server refused the connection"
    TAKEN_OVER = "another sender took over"
    # A lookup before a create met a 5xx or 429: the next entries' lookups would too.
    SERVER_TROUBLE = "Impilo is having trouble or asked to slow down"
    KEY_REFUSED = API_KEY_REJECTED
    # Never the sender's: the window's Send now, asked with no key to send with.
    NO_KEY = "no API key"


class Outcome(StrEnum):
    """What one pass over an entry did."""

    SENT = "sent"  # created now
    # Already on Impilo, not sent now: an in-doubt entry's own order found by its reference,
    # or a spreadsheet's order found by its order_ref (`OutboxEntry.already_on_impilo`).
    ADOPTED = "adopted"
    REJECTED = "rejected"  # refused by Impilo (or invalid); back with the user
    RETRY = "retry"  # will be tried again at `next_attempt_at`
    HELD = "held"  # too old, or queued for another server; waits for the user
    PAUSED = "paused"  # the key was refused; the outbox is paused
    SKIPPED = "skipped"  # changed or removed meanwhile (e.g. discarded by the user)


@dataclass(frozen=True)
class EntryResult:
    """The result of one entry in a drain."""

    entry_id: int
    client_reference: str
    outcome: Outcome
    state: EntryState
    order_id: int | None = None
    message: str = ""

    def line(self) -> str:
        text = f"#{self.entry_id} {self.outcome.value}"
        if self.order_id is not None:
            text += f" order {self.order_id}"
        return f"{text}: {self.message}" if self.message else text


@dataclass
class DrainReport:
    """What a drain did: one result per entry worked on (`changes`: per address/phone
    correction), and why it stopped early, if it did."""

    results: list[EntryResult] = field(default_factory=list)
    changes: list[ChangeResult] = field(default_factory=list)
    total: int = 0
    lock_busy: bool = False
    paused: str | None = None
    stopped: StopReason | None = None

    @property
    def delivered(self) -> list[EntryResult]:
        return [r for r in self.results if r.outcome in (Outcome.SENT, Outcome.ADOPTED)]

    @property
    def needs_user(self) -> list[EntryResult]:
        return [r for r in self.results if r.outcome in (Outcome.REJECTED, Outcome.HELD)]


__all__ = ["API_KEY_REJECTED", "DrainReport", "EntryResult", "Outcome", "StopReason"]
