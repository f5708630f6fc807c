"""Submitting the draft on the New order page: validated, asked about (a large count, a
duplicate patient or order: `count_question.py`, `submit_checks.py`), then handed to the
outbox while the form clears for the next order; a draft the outbox could not take comes
back on screen with the reason.

A mixin of `OrderEntryView` (it works on the view's draft, form, autosave and checks).
"""

from __future__ import annotations

import logging
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from impilo_desktop.domain import DraftInvalid, OrderDraft, large_counts, validate_draft
from impilo_desktop.store import OutboxEntry, StoreError
from impilo_desktop.ui.order_entry.banner import BannerKind

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance

    from impilo_desktop.domain import CatalogSnapshot, Problem
    from impilo_desktop.domain.patient_change import PatientChange
    from impilo_desktop.ui.order_entry.autosave import DraftAutosave
    from impilo_desktop.ui.order_entry.count_question import CountQuestion
    from impilo_desktop.ui.order_entry.form import OrderForm
    from impilo_desktop.ui.order_entry.problems import ProblemSections
    from impilo_desktop.ui.order_entry.records import PatientRecord
    from impilo_desktop.ui.order_entry.submission import SubmissionTracker
    from impilo_desktop.ui.order_entry.submit_checks import SubmitChecks
    from impilo_desktop.ui.plumbing.services import AppServices

log = logging.getLogger(__name__)


class OrderSubmitting:
    """The submit half of the New order page (mixed into `OrderEntryView`)."""

    form: OrderForm
    sections: ProblemSections
    count_question: CountQuestion
    checks: SubmitChecks
    autosave: DraftAutosave
    tracker: SubmissionTracker
    submitted: SignalInstance
    _services: AppServices
    _draft: OrderDraft
    _catalog: CatalogSnapshot
    _reveal_all: bool

    if TYPE_CHECKING:  # provided by OrderEntryView and NewPatientRecipient

        def _show_problems(self, problems: list[Problem]) -> None: ...
        def _show_draft(self, draft: OrderDraft, *, persisted: bool) -> None: ...
        def use_existing_patient(self, record: PatientRecord) -> None: ...
        def use_patient_and_correct(self, record: PatientRecord, change: PatientChange) -> None: ...

    def submit(self) -> None:
        """Validate and hand the draft to the outbox; show every problem if it is not ready.

        A count unusually large for one patient is asked about once first, then whether the
        new patient is already known, or whether the recipient already has an open order with
        the same things (`submit_checks.py`, off the UI thread). The form clears
        at once for the next order; the outbox takes the draft on the bridge loop, after the
        autosaves already asked for. Should that fail, the draft comes back on screen with
        the reason, nothing lost."""
        if self.count_question.asking or self.checks.busy:
            return  # the answer decides
        problems = validate_draft(self._draft, self._catalog)
        if problems:
            self._reveal_all = True
            self._show_problems(problems)
            self.sections.focus_first(problems)
            return
        large = large_counts(self._draft, self._catalog)
        if large:
            asked_about = self._draft
            self.count_question.ask(large, lambda: self._check(asked_about))
            return
        self._check(self._draft)

    def _check(self, asked_about: OrderDraft) -> None:
        """Look for a duplicate patient or order before sending `asked_about`."""
        if self._draft is not asked_about:
            return
        if not self.checks.run(
            asked_about,
            send=lambda note, confirmed=False: self._send(asked_about, note, confirmed=confirmed),
            use_patient=self.use_existing_patient,
            use_and_correct=self.use_patient_and_correct,
        ):
            self._send(asked_about)
            return
        f = self.form
        f.submit_button.setEnabled(False)  # once: the check's answer decides
        f.reason_label.setText(
            "Checking whether this patient is already in Impilo\N{HORIZONTAL ELLIPSIS}"
            if asked_about.is_new_patient_order
            else "Checking for an open order with the same things\N{HORIZONTAL ELLIPSIS}"
        )

    def _send(self, asked_about: OrderDraft, note: str = "", *, confirmed: bool = False) -> None:
        """Hand the (validated) draft to the outbox and clear the form for the next order;
        only if `asked_about`, the draft validated (and asked about), is still on screen.
        `note` goes on the banner with the order's news; `confirmed`: a new patient created
        beside the matches Impilo named (the sender does not ask again)."""
        if self._draft is not asked_about:
            log.warning("Not sent: another draft came on screen after the submit")
            return
        if self.autosave.pending:
            self.autosave.save_now()
        draft = self._draft.model_copy(deep=True)
        self.autosave.released()  # the outbox takes the draft out of Drafts
        self._services.outbox.submit(
            draft,
            on_queued=lambda entry: self._on_queued(entry, note),
            on_failed=lambda error: self._on_submit_failed(draft, error),
            new_patient_confirmed=confirmed,
        )
        self._show_draft(OrderDraft(), persisted=False)
        self.autosave.forget_current()
        self.form.patient_picker.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_queued(self, entry: OutboxEntry, note: str = "") -> None:
        self.submitted.emit(entry)
        self.tracker.track(entry, note)

    def _on_submit_failed(self, draft: OrderDraft, error: BaseException) -> None:
        log.warning("Could not queue the order: %s", error)
        if self._draft.is_empty():
            self._show_draft(draft, persisted=True)
            self.autosave.save_now()  # it is the current draft again
        if isinstance(error, DraftInvalid):
            self._reveal_all = True
            self._show_problems(error.problems)
            return
        reason = error.message if isinstance(error, StoreError) else str(error)
        self.form.banner.show_message(
            BannerKind.ERROR, f"The order could not be saved for sending: {escape(reason)}"
        )
