"""Following a submitted order through the outbox and telling the coordinator on the banner:
sending, placed (with its order id, status and "Open in history"), saved for later when
offline, or refused by Impilo (the draft then comes back: `rejected(draft, message)`).

Once the coordinator moves on to the next order (picks its recipient, opens another draft),
the last order's news leaves the form (`move_aside`): the banner must not say "placed for
Smith" above an order for someone else. An order placed after that is announced once by
`placed_aside(order_id, text)`, which the window shows in its own message bar. A refusal
arriving once the form has moved on, or while something is typed in it, leaves the form
alone: it is announced by `refused_aside(draft_id, text)`, and `open_refused(draft_id)` brings
that draft back (with Impilo's reason) when the coordinator asks for it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from impilo_desktop.domain import OrderDraft, status_label
from impilo_desktop.store import PENDING_STATES, EntryState, OutboxEntry
from impilo_desktop.sync.drain_report import DrainReport
from impilo_desktop.ui.order_entry.banner import BannerKind, SubmitBanner

if TYPE_CHECKING:
    from impilo_desktop.ui.plumbing.services import AppServices

log = logging.getLogger(__name__)

# Nothing can be sent in these states: an order submitted now waits in the outbox.
OFFLINE_STATES = ("offline", "untrusted", "proxy", "unauthorized")


class SubmissionTracker(QObject):
    """Watches the outbox signals for the last entry this form submitted."""

    open_order_requested = Signal(int)
    rejected = Signal(object, str)  # the draft back from the outbox, the server's message
    placed_aside = Signal(int, str)  # order id, plain text: placed after the form moved on
    refused_aside = Signal(str, str)  # draft id, plain text: refused after the form moved on

    def __init__(
        self,
        services: AppServices,
        banner: SubmitBanner,
        form_in_use: Callable[[], bool],
        parent: QObject | None = None,
    ) -> None:
        """`form_in_use()` says whether the form holds an order being typed (a refused
        order must not replace it)."""
        super().__init__(parent)
        self._services = services
        self._banner = banner
        self._form_in_use = form_in_use
        self._refusals: dict[str, str] = {}  # draft id -> Impilo's reason, announced aside
        self._entry_id: int | None = None
        self._name = ""
        self._order_id: int | None = None
        self._aside = False
        self._note = ""
        outbox = services.outbox
        outbox.entry_sent.connect(self._on_sent)
        outbox.entry_rejected.connect(self._on_rejected)
        outbox.drain_finished.connect(self._on_drain_finished)
        banner.action_clicked.connect(self._on_action)

    def track(self, entry: OutboxEntry, note: str = "") -> None:
        """`entry` was just submitted: say what happens to it (and `note`, a sentence about
        what is still to come, e.g. a check Impilo will make before it is sent)."""
        draft = entry.draft
        self._note = note
        self._entry_id = entry.entry_id
        self._name = draft.recipient.display_name if draft.recipient else ""
        self._order_id = None
        self._aside = False
        outbox = self._services.outbox
        if outbox.sending and outbox.state not in OFFLINE_STATES:
            self._banner.show_message(
                BannerKind.INFO,
                f"Sending the order for <b>{escape(self._name)}</b> to Impilo…"
                + (f" {escape(self._note)}" if self._note else ""),
            )
        else:
            self._saved_for_later()

    def move_aside(self) -> None:
        """The coordinator moved on to the next order: the last one's news leaves the form.
        Error banners stay: they are about the draft on screen."""
        if self._banner.kind != BannerKind.ERROR:
            self._banner.hide()
        self._aside = self._entry_id is not None

    def _saved_for_later(self) -> None:
        self._banner.show_message(
            BannerKind.WARNING,
            "Saved \N{EM DASH} will be sent when the connection returns. "
            f"The order for <b>{escape(self._name)}</b> waits in Drafts &amp; outbox."
            + (f" {escape(self._note)}" if self._note else ""),
        )

    def _held(self, message: str) -> None:
        """The sender stopped it for a person to decide (e.g. Impilo already has a patient
        like the new one): say so instead of "Sending…", and where to decide."""
        self._entry_id = None
        if self._aside:
            return
        self._banner.show_message(
            BannerKind.WARNING,
            f"The order for <b>{escape(self._name)}</b> is held in Drafts &amp; outbox"
            f" until you decide: {escape(message.rstrip('.'))}.",
        )

    def _placed(self, order_id: int, status: str) -> None:
        self._banner.show_message(
            BannerKind.SUCCESS,
            f"Order <b>#{order_id}</b> placed for <b>{escape(self._name)}</b>"
            f" \N{EM DASH} status: {escape(status_label(status))}.",
            "Open in history",
        )

    def _on_drain_finished(self, report: DrainReport) -> None:
        if self._entry_id is None or self._order_id is not None:
            return
        held = next(
            (
                r
                for r in report.results
                if r.entry_id == self._entry_id and r.state == EntryState.HELD
            ),
            None,
        )
        if held is not None:
            self._held(held.message)
            return
        settled = any(
            r.entry_id == self._entry_id and r.state not in PENDING_STATES for r in report.results
        )
        if (
            not settled
            and not self._aside
            and not self._services.outbox.sending
            and self._banner.kind == BannerKind.INFO
        ):
            # The drain ended without placing it (offline, or it waits for a retry), and no
            # follow-up drain is on its way.
            self._saved_for_later()

    def _on_sent(self, entry: OutboxEntry) -> None:
        if entry.entry_id != self._entry_id or entry.order_id is None:
            return
        order_id = self._order_id = entry.order_id
        if self._aside:
            self.placed_aside.emit(order_id, f"Order #{order_id} placed for {self._name}.")
            return
        self._placed(order_id, "orderPlaced")  # what a new order is; the real one follows
        services = self._services

        async def status() -> str:
            order = await services.client().get_order(order_id)
            return str(order.current_status or "")

        def show(value: str) -> None:
            if value and self._order_id == order_id and not self._aside:
                self._placed(order_id, value)

        services.bridge.submit(status(), on_result=show, on_error=lambda _error: None)

    def _on_rejected(self, entry: OutboxEntry) -> None:
        if entry.entry_id != self._entry_id:
            return
        self._entry_id = None
        message = entry.server_message or entry.last_error or "no reason given"
        name = self._name

        def back(draft: OrderDraft) -> None:
            self._services.outbox.changed()
            if self._aside or self._form_in_use():
                self._announce_aside(draft, name, message)
            else:
                self._bring_back(draft, message)

        def failed(error: BaseException) -> None:
            log.warning("Could not take the refused order back into Drafts: %s", error)
            back(entry.draft)

        self._services.bridge.call(
            self._services.store.return_to_drafts, entry.entry_id, on_result=back, on_error=failed
        )

    def _announce_aside(self, draft: OrderDraft, name: str, message: str) -> None:
        """The form is busy with another order: say so beside it, touch nothing in it."""
        if not self._aside and self._banner.kind != BannerKind.ERROR:
            self._banner.hide()  # it still spoke of the refused order ("Sending…")
        self._refusals[draft.draft_id] = message
        whose = f" for {name}" if name else ""
        self.refused_aside.emit(
            draft.draft_id,
            f"Impilo refused the order{whose}: {message.rstrip('.')}. It is back in Drafts.",
        )

    def open_refused(self, draft_id: str) -> None:
        """Bring the draft announced by `refused_aside` back into the form, as saved in
        Drafts now (it may have been changed there since), with Impilo's reason."""
        message = self._refusals.pop(draft_id, "no reason given")

        def opened(draft: OrderDraft | None) -> None:
            if draft is None:
                self._banner.show_message(
                    BannerKind.WARNING, "That order is no longer in Drafts &amp; outbox."
                )
            else:
                self._bring_back(draft, message)

        self._services.bridge.call(
            self._services.store.get_draft,
            draft_id,
            on_result=opened,
            on_error=lambda error: log.warning("Could not open the refused order: %s", error),
        )

    def _bring_back(self, draft: OrderDraft, message: str) -> None:
        self.rejected.emit(draft, message)
        self._banner.show_message(
            BannerKind.ERROR,
            f"Impilo refused this order: <b>{escape(message)}</b><br>"
            "It is back in the form \N{EM DASH} correct it and submit again.",
        )

    def _on_action(self) -> None:
        if (
            self._order_id is not None
            and self._banner.kind == BannerKind.SUCCESS
            and not self._aside
        ):
            self.open_order_requested.emit(self._order_id)
