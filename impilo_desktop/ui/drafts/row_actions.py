"""What the Drafts & outbox page does with the selected row: open it (a draft or a refused or
held order in New order, a placed order in Order history), duplicate it, delete it (a draft
with Undo, an order after a question), and release a held order (or apply a held correction
anyway). The page (view.py) shows the rows and wires its buttons and keys to these; each
store call runs on the bridge's loop and the page reads its rows again when it has.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from impilo_desktop.store import PATIENT_MATCH, EntryState, StoreError
from impilo_desktop.ui.dialogs.confirm import Question, confirm_destructive
from impilo_desktop.ui.drafts.change_actions import confirm_apply_anyway, confirm_discard_change
from impilo_desktop.ui.drafts.change_row import ChangeRow
from impilo_desktop.ui.drafts.patient_match import MatchAnswers

if TYPE_CHECKING:
    from impilo_desktop.domain.draft import OrderDraft
    from impilo_desktop.ui.drafts.model import DraftRow
    from impilo_desktop.ui.drafts.view import DraftsPage
    from impilo_desktop.ui.plumbing.services import AppServices

log = logging.getLogger(__name__)

UNDO_MS = 10_000


def duplicate_draft(draft: OrderDraft) -> OrderDraft:
    """A copy with a new identity (a new draft, never the same outbox entry twice)."""
    now = datetime.now(UTC)
    return draft.model_copy(
        deep=True, update={"draft_id": str(uuid.uuid4()), "created_at": now, "updated_at": now}
    )


class RowActions:
    """The actions on `page`'s selected row (its buttons', keys' and context menu's)."""

    def __init__(self, page: DraftsPage, services: AppServices) -> None:
        self._page = page
        self._services = services
        self._undo_draft: OrderDraft | None = None
        self._answers = MatchAnswers(services, self._write_failed)

    def open_selected(self) -> None:
        """Open the selected draft (or refused/held order) in New order, or a placed order in
        Order history."""
        row = self._page.selected_row()
        if row is None:
            return
        if row.placed_order_id is not None:
            self._page.open_order_requested.emit(row.placed_order_id)
            return
        if isinstance(row, ChangeRow):
            return  # a correction has nothing to open: it goes by itself, or waits here
        if row.state == EntryState.SENT:  # placed, its number not known here
            self._page.undo_bar.show_message(
                "This order was placed with Impilo; find it in Order history.",
                icon_name="online",
                timeout_ms=UNDO_MS,
            )
            return
        if not row.can_open:
            self._page.undo_bar.show_message(
                "This order is on its way to Impilo and cannot be changed now. Use Duplicate "
                "to start a new order from it.",
                icon_name="sending",
                timeout_ms=UNDO_MS,
            )
            return
        if row.entry is None:
            self._page.open_draft_requested.emit(row.draft)
            return
        self._reopen(row.entry.entry_id)

    def _reopen(self, entry_id: int) -> None:
        """A refused or held entry back to drafts, opened in New order."""

        def reopened(draft: OrderDraft) -> None:
            self._services.outbox.changed()
            self._page.open_draft_requested.emit(draft)

        def failed(error: BaseException) -> None:
            log.warning("Could not reopen entry: %s", error)
            self._page.reload()

        self._services.bridge.call(
            self._services.store.return_to_drafts,
            entry_id,
            on_result=reopened,
            on_error=failed,
        )

    def duplicate_selected(self) -> None:
        row = self._page.selected_row()
        if row is None or isinstance(row, ChangeRow):
            return
        copy = duplicate_draft(row.draft)

        def copied(_saved: object) -> None:
            self._page.reload(select=f"draft:{copy.draft_id}")
            self._page.undo_bar.show_message(
                "Copied into a new draft.", icon_name="duplicate", timeout_ms=4000
            )

        self._services.bridge.call(
            self._services.store.save_draft, copy, on_result=copied, on_error=self._write_failed
        )

    def delete_selected(self) -> None:
        row = self._page.selected_row()
        if row is None or not row.can_delete:
            return
        if isinstance(row, ChangeRow):
            confirm_discard_change(self._page, self._services, row)
            return
        if row.entry is not None:
            self._confirm_discard(row)
            return
        # The row goes at once (the store follows on the loop); its neighbour takes its place.
        page, model = self._page, self._page.model
        page.keep_position = model.row_of(row.key)
        model.remove_key(row.key)
        if model.rowCount():
            page.select_row(min(page.keep_position, model.rowCount() - 1))
        self._undo_draft = row.draft
        page.undo_bar.show_message(
            f"Draft deleted: {row.draft.summary()}",
            [("&Undo", self.undo_delete)],
            icon_name="delete",
            timeout_ms=UNDO_MS,
        )
        page.table.setFocus()
        self._services.bridge.call(
            self._services.store.delete_draft,
            row.draft.draft_id,
            on_result=lambda _deleted: page.reload(),
            on_error=self._write_failed,
        )

    def undo_delete(self) -> None:
        """Bring back the draft deleted last (while the Undo bar shows)."""
        draft, self._undo_draft = self._undo_draft, None
        if draft is None:
            return
        self._page.undo_bar.dismiss()
        self._page.table.setFocus()
        self._services.bridge.call(
            self._services.store.save_draft,
            draft,
            on_result=lambda _saved: self._page.reload(select=f"draft:{draft.draft_id}"),
            on_error=self._write_failed,
        )

    def _write_failed(self, error: BaseException) -> None:
        message = error.message if isinstance(error, StoreError) else str(error)
        log.warning("Drafts page: %s", message)
        self._page.undo_bar.show_message(
            f"That did not work: {message}", icon_name="key-rejected", timeout_ms=UNDO_MS
        )
        self._page.reload()

    def _confirm_discard(self, row: DraftRow) -> None:
        assert row.entry is not None
        entry_id = row.entry.entry_id

        def discard() -> None:
            self._services.bridge.call(
                self._services.store.discard_entry,
                entry_id,
                on_result=lambda _none: self._services.outbox.changed(),
                on_error=self._write_failed,
            )

        confirm_destructive(
            self._page,
            Question(
                name="discardConfirmation",
                title="Delete this order?",
                text=f"Delete the order for {row.recipient_text()}?",
                informative="It was not placed. To fix it instead, choose Open: it goes back "
                "to New order.",
                action="Delete order",
                action_name="confirmDiscard",
            ),
            discard,
        )

    def release_selected(self) -> None:
        row = self._page.selected_row()
        if isinstance(row, ChangeRow):
            confirm_apply_anyway(self._page, self._services, row)
            return
        if row is None or row.entry is None or row.state != EntryState.HELD:
            return
        entry_id = row.entry.entry_id
        if row.entry.held_for == PATIENT_MATCH:
            self._answers.ask(
                self._page,
                row.entry,
                use_patient=lambda patient_id: self._answers.use_patient(entry_id, patient_id),
                create_anyway=lambda: self._answers.create_anyway(entry_id),
                back_to_drafts=lambda: self._reopen(entry_id),
            )
            return
        if row.entry.held_for != "server":
            self._release(entry_id)
            return
        # Sending to another server than the one it was queued for is the coordinator's
        # call, made with both addresses in view.
        server = self._services.profile.base_url
        queued_for = row.entry.server or "a server an earlier version did not record"
        confirm_destructive(
            self._page,
            Question(
                name="releaseToServerConfirmation",
                title="Send to this server?",
                text=f"Send the order for {row.recipient_text()} to {server}?",
                informative=f"It was queued for {queued_for}. Send it only if it is meant for"
                f" {server}; otherwise keep it waiting, or delete it.",
                action=f"Send to {urlsplit(server).netloc}",
                action_name="confirmReleaseToServer",
            ),
            lambda: self._release(entry_id),
        )

    def _release(self, entry_id: int) -> None:
        self._services.outbox.release(entry_id)
