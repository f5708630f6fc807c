"""The recipient as a new patient: switching the New order page between the patient search
and the new-patient form (`new_patient_form.py`), and back, without losing what was typed.

A mixin of `OrderEntryView` (it works on the view's draft and form, and its `_changed`).
A new patient typed and then left (for the search, a site, or the matching patient Impilo
has) is set aside, not dropped: kept with the draft (`OrderDraft.set_aside_patient`, saved by
autosave, so a restart keeps it too), and "Back to new patient…" (the same button and
Ctrl+Shift+P) brings it back as typed, until a patient is picked from the search.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from impilo_desktop.domain.new_patient import NewPatient
from impilo_desktop.ui.order_entry.banner import BannerKind
from impilo_desktop.ui.order_entry.records import PatientRecord
from impilo_desktop.ui.order_entry.typed_text import names_from_search

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from impilo_desktop.domain import OrderDraft
    from impilo_desktop.domain.patient_change import PatientChange
    from impilo_desktop.ui.order_entry.form import OrderForm
    from impilo_desktop.ui.order_entry.submission import SubmissionTracker
    from impilo_desktop.ui.plumbing.services import AppServices


class NewPatientRecipient:
    """The new-patient half of the recipient section (mixed into `OrderEntryView`)."""

    form: OrderForm
    tracker: SubmissionTracker
    _services: AppServices
    _draft: OrderDraft
    _loading: bool

    if TYPE_CHECKING:  # provided by OrderEntryView

        def setFocusProxy(self, widget: QWidget) -> None: ...
        def _changed(self, section: str) -> None: ...
        def _on_patient(self, record: object) -> None: ...
        def submit(self) -> None: ...

    def _keep_aside(self, patient: NewPatient | None) -> None:
        """Keep `patient` (when anything was typed) with the draft for "Back to new
        patient…"; None forgets. The caller marks the draft changed (autosave)."""
        kept = patient if patient is not None and not patient.is_empty() else None
        self._draft.set_aside_patient = kept.model_copy(deep=True) if kept else None
        self._show_set_aside()

    def _show_set_aside(self) -> None:
        """The search's "New patient…" button says whom it brings back, if anyone."""
        kept = self._draft.set_aside_patient
        self.form.patient_picker.keep_new_patient(kept.display_name if kept else "")

    def start_new_patient(self, typed: str | None = None) -> None:
        """The recipient becomes a patient typed here, created with the order: the one set
        aside earlier, else the names typed in the search (`typed`, else the search field)."""
        f = self.form
        if self._draft.is_new_patient_order:
            f.new_patient_form.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return
        patient = self._draft.set_aside_patient
        self._keep_aside(None)
        if patient is None:
            text = f.patient_picker.search_field.text() if typed is None else typed
            first, last = names_from_search(text)
            site_id = f.patient_picker.scoped_site
            site_name = f.patient_picker.site_scope.currentText() if site_id else ""
            patient = NewPatient(
                first_name=first, last_name=last, site_id=site_id, site_name=site_name
            )
        self._loading = True
        try:
            f.patient_button.setChecked(True)
            f.patient_picker.clear_feedback()
            f.patient_picker.set_choice(None)
            f.site_picker.set_choice(None)
            f.new_patient_form.set_patient(patient)
            f.recipient_stack.setCurrentWidget(f.new_patient_form)
            self.setFocusProxy(f.new_patient_form)
        finally:
            self._loading = False
        self._draft.set_new_patient(patient)
        self._changed("recipient")
        self.tracker.move_aside()  # the next order has begun
        # The cursor goes to the first name still to type.
        empty = next((k for k in ("first_name", "last_name") if not getattr(patient, k)), "")
        f.new_patient_form.focus_field(empty or "date_of_birth")

    def search_existing_patients(self) -> None:
        """Back from the new-patient form to the search, with the typed names searched for.
        What was typed is set aside, not lost: "New patient…" brings it back."""
        f = self.form
        patient = self._draft.new_patient
        kept = patient is not None and not patient.is_empty()
        self._loading = True
        try:
            f.recipient_stack.setCurrentWidget(f.patient_picker)
            self.setFocusProxy(f.patient_picker)
        finally:
            self._loading = False
        self._draft.set_patient(None)
        if patient is not None and kept:
            self._keep_aside(patient)
        self._changed("recipient")
        picker = f.patient_picker
        picker.search_field.setFocus(Qt.FocusReason.OtherFocusReason)
        if patient is not None and kept:
            name = " ".join(p for p in (patient.first_name, patient.last_name) if p.strip())
            picker.search_field.setText(name.strip())
            picker.search_field.selectAll()

    def _on_new_patient_edited(self) -> None:
        if self._loading or not self._draft.is_new_patient_order:
            return
        self._draft.set_new_patient(self.form.new_patient_form.patient())
        self._changed("recipient")

    def use_existing_patient(self, record: PatientRecord) -> None:
        """The new patient is someone Impilo has: the order is for them, its lines kept. What
        was typed is set aside (not dropped): "Back to new patient…" still brings it back."""
        f = self.form
        typed = self._draft.new_patient
        self._loading = True
        try:
            f.recipient_stack.setCurrentWidget(f.patient_picker)
            self.setFocusProxy(f.patient_picker)
            f.patient_picker.set_choice(record)
            f.new_patient_form.set_patient(NewPatient())
        finally:
            self._loading = False
        self._on_patient(record)
        self._keep_aside(typed)  # after: choosing from Impilo forgets what was set aside

    def use_patient_and_correct(self, record: PatientRecord, change: PatientChange) -> None:
        """The new patient is someone Impilo has, who moved (or has a new phone): the order is
        for them, their correction (Impilo's address -> the typed one) is queued first, then
        the order is submitted (through the duplicate-order check like any other)."""
        self.use_existing_patient(record)
        draft = self._draft
        name = record.display_name

        def queued(outcome: object) -> None:
            if isinstance(outcome, BaseException):
                reason = getattr(outcome, "message", "") or str(outcome)
                self.form.banner.show_message(
                    BannerKind.ERROR,
                    escape(
                        f"The address correction for {name} could not be queued: {reason}."
                        " The order was not sent; submit it again, or correct the address"
                        " from the order in Order history."
                    ),
                )
                return
            if self._draft is draft:  # still on screen: the order follows its correction
                self.submit()

        self._services.outbox.corrections.queue(change, queued)
