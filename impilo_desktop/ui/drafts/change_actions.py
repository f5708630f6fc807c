"""What the coordinator does with a held or refused address/phone correction on the Drafts
& outbox page: apply one held as changed in Impilo meanwhile anyway (with both values in
view), or discard it. Both ask first. One held for its server is only discarded."""

from __future__ import annotations

from typing import TYPE_CHECKING

from impilo_desktop.store import EntryState
from impilo_desktop.ui.dialogs.confirm import Question, confirm_destructive
from impilo_desktop.ui.drafts.change_row import ChangeRow, contact_text

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from impilo_desktop.ui.plumbing.services import AppServices

APPLY_ANYWAY = "Appl&y anyway"


def confirm_apply_anyway(parent: QWidget, services: AppServices, row: ChangeRow) -> None:
    """Ask, showing what Impilo holds and what the correction sets, then send it after all
    (the patient is re-read first: a third change holds it again)."""
    entry = row.change
    if entry.state != EntryState.HELD:
        return
    if not row.held_as_changed:
        return  # held for another server: only discarded (patient numbers are per server)
    question = Question(
        name="applyChangeAnywayConfirmation",
        title="Apply this correction anyway?",
        text=f"Replace what Impilo has for {row.recipient_text()}?",
        informative=(
            f"Impilo now has: {row.found_text()}.\n"
            f"This correction sets: {contact_text(entry, entry.change.after)}.\n\n"
            "Someone changed the patient in Impilo after you started this correction."
            " Apply it only if yours is the right one."
        ),
        action="Apply anyway",
        action_name="confirmApplyChangeAnyway",
    )
    confirm_destructive(
        parent, question, lambda: services.outbox.corrections.apply_anyway(entry.change_id)
    )


def confirm_discard_change(parent: QWidget, services: AppServices, row: ChangeRow) -> None:
    """Ask, then delete the correction: Impilo keeps what it has."""
    entry = row.change
    confirm_destructive(
        parent,
        Question(
            name="discardChangeConfirmation",
            title="Discard this correction?",
            text=f"Discard the {entry.what().lower()} for {row.recipient_text()}?",
            informative="Impilo keeps the details it has now. Nothing is sent.",
            action="Discard correction",
            action_name="confirmDiscardChange",
        ),
        lambda: services.outbox.corrections.discard(entry.change_id),
    )
