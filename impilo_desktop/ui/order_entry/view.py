"""The New order page: the coordinator builds an `OrderDraft`, sees what is missing next to
each field, and submits it through the outbox (the same road online and offline).

The draft is the single source of truth: widgets edit it, the table models wrap its lists.
Every change is validated at once and autosaved (debounced, `autosave.py`); the current
draft comes back after a restart. `submission.py` follows a submitted order to its result,
`server_lookups.py` asks Impilo for patients the cache does not know.
"""

from __future__ import annotations

import asyncio
import logging
from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QHideEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from impilo_desktop.api.models import ShippingOption
from impilo_desktop.domain import (
    CatalogSnapshot,
    OrderDraft,
    Problem,
    RecipientKind,
    validate_draft,
)
from impilo_desktop.domain.new_patient import NewPatient
from impilo_desktop.ui.order_entry.autosave import DraftAutosave
from impilo_desktop.ui.order_entry.banner import BannerKind
from impilo_desktop.ui.order_entry.choices import (
    patient_choice,
    patient_record,
    site_choice,
    site_record,
)
from impilo_desktop.ui.order_entry.count_question import CountQuestion
from impilo_desktop.ui.order_entry.form import OrderForm
from impilo_desktop.ui.order_entry.keyboard import OrderEntryKeys
from impilo_desktop.ui.order_entry.loading_state import LoadingFields
from impilo_desktop.ui.order_entry.new_patient_recipient import NewPatientRecipient
from impilo_desktop.ui.order_entry.problems import ProblemSections, sort_problems
from impilo_desktop.ui.order_entry.records import ItemRecord, KitRecord, PatientRecord, SiteRecord
from impilo_desktop.ui.order_entry.reference import ReferenceData, load_reference
from impilo_desktop.ui.order_entry.server_lookups import ServerLookups
from impilo_desktop.ui.order_entry.submission import SubmissionTracker
from impilo_desktop.ui.order_entry.submit_checks import SubmitChecks
from impilo_desktop.ui.order_entry.submitting import OrderSubmitting
from impilo_desktop.ui.plumbing.bridge import Job
from impilo_desktop.ui.plumbing.label_roles import set_role

if TYPE_CHECKING:
    from impilo_desktop.ui.plumbing.services import AppServices

log = logging.getLogger(__name__)


class OrderEntryView(QWidget, NewPatientRecipient, OrderSubmitting, OrderEntryKeys):
    """The New order page. Signals: `open_order_requested(order_id)` ("Open in history"),
    `draft_saved(draft_id)` after each autosave, `reference_loaded()` when the pickers have
    the cached data, `submitted(entry)` when a draft went into the outbox,
    `placed_aside(order_id, text)` when an order is placed after the form moved on,
    `refused_aside(draft_id, text)` when one is refused then (`open_refused` brings it back)."""

    open_order_requested = Signal(int)
    placed_aside = Signal(int, str)
    refused_aside = Signal(str, str)
    draft_saved = Signal(str)
    reference_loaded = Signal()
    submitted = Signal(object)

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("orderEntryView")
        self.setAccessibleName("New order")
        self._services = services
        self._draft = OrderDraft()
        self._catalog = CatalogSnapshot()
        self._problems: list[Problem] = []
        self._touched: set[str] = set()
        self._reveal_all = False
        self._reference_job: Job | None = None
        self._loading = False

        self.form = OrderForm(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.form)
        self.sections = ProblemSections(self.form)
        self.count_question = CountQuestion(self.form, self)
        self.checks = SubmitChecks(services, self)
        self.checks.finished.connect(self._validate)  # the form is the coordinator's again
        self.checks.asking.connect(
            lambda: self.form.reason_label.setText("Answer the question to go on")
        )
        self.autosave = DraftAutosave(services.bridge, services.store, lambda: self._draft, self)
        self.tracker = SubmissionTracker(
            services, self.form.banner, lambda: not self._draft.is_empty(), self
        )
        self.lookups = ServerLookups(
            services, self.form.patient_picker, self.form.site_picker, self
        )

        self._build_actions()
        self._connect()
        self._restore()
        self.loading = LoadingFields(self.form)  # until the first read of the cache arrives
        self.reload_reference()

    # --- public API ----------------------------------------------------------------------

    @property
    def draft(self) -> OrderDraft:
        """The draft on screen (edit it through the form, not directly)."""
        return self._draft

    @property
    def catalog(self) -> CatalogSnapshot:
        """The cached catalog the form checks lines against (empty until it is read)."""
        return self._catalog

    @property
    def problems(self) -> list[Problem]:
        return list(self._problems)

    def load_draft(self, draft: OrderDraft) -> None:
        """Show `draft` (reorder, or opened from Drafts); the one on screen stays in Drafts."""
        if self.autosave.pending:
            self.autosave.save_now()  # written before anything asked for after it
        self.tracker.move_aside()
        self._show_draft(draft, persisted=False)
        self.autosave.save_now()

    def open_refused(self, draft_id: str) -> None:
        """Open the refused order announced by `refused_aside`, with Impilo's reason."""
        if self.autosave.pending:
            self.autosave.save_now()  # it may be on screen: read after what was typed
        self.tracker.open_refused(draft_id)

    def new_order(self) -> None:
        """Start a new, empty order; the current one (if anything was entered) stays in Drafts."""
        if self.autosave.pending:
            self.autosave.save_now()
        self._show_draft(OrderDraft(), persisted=False)
        self.autosave.forget_current()
        self.form.patient_picker.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def page_activated(self) -> None:
        """The shell switched to this page: put the cursor where work starts."""
        if self._draft.recipient is None:
            self._recipient_picker().setFocus(Qt.FocusReason.OtherFocusReason)

    def reload_reference(self) -> None:
        """Load the cached patients, sites and catalog into the pickers (off the UI thread)."""
        if self._reference_job is not None and not self._reference_job.done():
            return
        store = self._services.store

        async def load() -> ReferenceData:
            return await asyncio.to_thread(load_reference, store)

        self._reference_job = self._services.bridge.submit(
            load(), on_result=self._on_reference, on_error=self._on_reference_error
        )

    def hideEvent(self, event: QHideEvent) -> None:
        # Leaving the page (another page, closing the window): write what is pending now.
        if self.autosave.pending:
            self.autosave.save_now()
        super().hideEvent(event)

    # --- building ------------------------------------------------------------------------

    def _connect(self) -> None:
        f = self.form
        f.recipient_buttons.buttonToggled.connect(self._on_recipient_kind)
        f.patient_picker.chosen.connect(self._on_patient)
        f.site_picker.chosen.connect(self._on_site)
        f.patient_picker.new_patient_wanted.connect(self.start_new_patient)
        f.new_patient_form.changed.connect(self._on_new_patient_edited)
        f.new_patient_form.search_instead.connect(self.search_existing_patients)
        f.item_search.chosen.connect(self._on_item)
        f.kit_search.chosen.connect(self._on_kit)
        f.items_model.changed.connect(lambda: self._changed("items"))
        f.kits_model.changed.connect(lambda: self._changed("kits"))
        # "Added … — count 1." is out of date once a count is typed.
        f.items_table.count_delegate.commitData.connect(
            lambda _editor: f.item_search.status.setVisible(False)
        )
        f.remove_item_button.clicked.connect(f.items_table.remove_selected)
        f.remove_kit_button.clicked.connect(f.kits_table.remove_selected)
        f.kits_table.selectionModel().currentRowChanged.connect(self._show_kit_contents)
        f.kits_model.modelReset.connect(self._show_kit_contents)
        f.kits_model.rowsRemoved.connect(self._show_kit_contents)
        f.shipping_buttons.buttonToggled.connect(self._on_shipping)
        f.external_ids.textChanged.connect(self._on_external_ids)
        f.notes.textChanged.connect(self._on_notes)
        f.advanced.changed.connect(lambda: self._changed("returns"))
        f.submit_button.clicked.connect(self.submit)
        f.new_order_button.clicked.connect(self.new_order)
        self.tracker.open_order_requested.connect(self.open_order_requested)
        self.tracker.placed_aside.connect(self.placed_aside)
        self.tracker.refused_aside.connect(self.refused_aside)
        self.tracker.rejected.connect(self._on_rejected)
        self.autosave.saved.connect(self._on_saved)
        self.autosave.failed.connect(self._on_save_failed)
        self._services.outbox.reference_refreshed.connect(self._on_reference_refreshed)

    def _restore(self) -> None:
        """Open empty, then bring back the draft that was on screen last time (read on the
        bridge loop), unless the coordinator has started on something else meanwhile."""
        self._show_draft(OrderDraft(), persisted=False)
        placeholder = self._draft

        def restored(draft: OrderDraft | None) -> None:
            if draft is not None and self._draft is placeholder and placeholder.is_empty():
                self._show_draft(draft, persisted=True)

        self._services.bridge.call(
            self._services.store.current_draft,
            on_result=restored,
            on_error=lambda error: log.warning("Could not restore the current draft: %s", error),
        )

    # --- draft <-> widgets ---------------------------------------------------------------

    def _show_draft(self, draft: OrderDraft, *, persisted: bool) -> None:
        self.count_question.withdraw()  # it asked about the draft leaving the screen
        self.checks.withdraw()
        self.autosave.reset(persisted=persisted)
        self._loading = True
        try:
            self._draft = draft
            self._touched = set()
            self._reveal_all = False
            f = self.form
            self._show_set_aside()
            f.recipient_button_for(draft.recipient_kind).setChecked(True)
            f.recipient_stack.setCurrentWidget(self._recipient_picker())
            f.new_patient_form.set_patient(draft.new_patient or NewPatient())
            # Focus given to the page (e.g. by File > New order) lands in the recipient field.
            self.setFocusProxy(self._recipient_picker())
            for picker in (f.patient_picker, f.site_picker, f.item_search, f.kit_search):
                picker.clear_feedback()
            f.patient_picker.set_choice(patient_record(draft.patient) if draft.patient else None)
            f.site_picker.set_choice(site_record(draft.site) if draft.site else None)
            f.items_model.set_draft(draft)
            f.kits_model.set_draft(draft)
            f.advanced.set_draft(draft)
            overnight = draft.shipping_option == ShippingOption.OVERNIGHT
            (f.overnight_radio if overnight else f.standard_radio).setChecked(True)
            f.external_ids.setPlainText("\n".join(draft.external_order_ids))
            f.notes.setPlainText("\n\n".join(draft.notes))
            f.saved_label.setText("Draft saved" if persisted else "")
        finally:
            self._loading = False
        self._validate()
        # Another order: start at the top, where its recipient is (after a submit, a reorder).
        self.form.scroll_area.verticalScrollBar().setValue(0)

    def _changed(self, section: str) -> None:
        if self._loading:
            return
        self._touched.add(section)
        self._draft.touch()
        self._validate()
        self.form.saved_label.setText("Editing…")
        self.autosave.schedule()

    def _on_recipient_kind(self, button: Any, checked: bool) -> None:
        if not checked or self._loading:
            return
        kind: RecipientKind = "patient" if button is self.form.patient_button else "site"
        f = self.form
        picker = f.patient_picker if kind == "patient" else f.site_picker
        f.recipient_stack.setCurrentWidget(picker)
        self.setFocusProxy(picker)
        if kind != self._draft.recipient_kind:
            if self._draft.new_patient is not None:
                self._keep_aside(self._draft.new_patient)  # a site after all? It is kept
            self._draft.set_recipient_kind(kind)
            # The domain dropped the other kind's choice; the pickers follow.
            (f.site_picker if kind == "patient" else f.patient_picker).set_choice(None)
            self._changed("recipient")
        # Alt+P / Alt+S (or a click) chose the kind: the next thing to do is to search.
        if picker.choice is None:
            picker.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_patient(self, record: object) -> None:
        if record is not None:
            self._keep_aside(None)  # someone from Impilo after all
        self._draft.set_patient(
            patient_choice(record) if isinstance(record, PatientRecord) else None
        )
        self._changed("recipient")
        self._after_recipient(record)

    def _on_site(self, record: object) -> None:
        if isinstance(record, SiteRecord):
            self._draft.set_site(site_choice(record))
        else:
            self._draft.set_site(None)
        self._changed("recipient")
        self._after_recipient(record)

    def _after_recipient(self, record: object) -> None:
        if record is not None:
            self.tracker.move_aside()  # the next order has begun
        # Chosen from the list: the picker closed, so carry on with the items (the focus
        # would otherwise sit on "Change…", where typing goes nowhere).
        if record is not None and self.isVisible():
            self._focus_item_search()

    def _on_item(self, record: object) -> None:
        if isinstance(record, ItemRecord) and record.can_order:
            row = self.form.items_model.add_item(
                record.id, name=record.name, sku=record.sku, manufacturer=record.manufacturer
            )
            self.form.items_table.selectRow(row)
            self.form.item_search.setFocus(Qt.FocusReason.OtherFocusReason)
            line = self.form.items_model.line(row)
            self.form.item_search.status.setText(
                f"Added {record.name} ({record.sku}) \N{EM DASH} count {line.count}."
            )
            self.form.item_search.status.setVisible(True)

    def _on_kit(self, record: object) -> None:
        if isinstance(record, KitRecord) and not record.archived:
            row = self.form.kits_model.add_kit(record.id, name=record.name)
            self.form.kits_table.selectRow(row)
            self.form.kit_search.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_shipping(self, button: Any, checked: bool) -> None:
        if not checked or self._loading:
            return
        overnight = button is self.form.overnight_radio
        self._draft.shipping_option = (
            ShippingOption.OVERNIGHT if overnight else ShippingOption.STANDARD
        )
        self._changed("shipping")

    def _on_external_ids(self) -> None:
        if self._loading:
            return
        text = self.form.external_ids.toPlainText()
        self._draft.external_order_ids = [ln.strip() for ln in text.splitlines() if ln.strip()]
        self._changed("external_ids")

    def _on_notes(self) -> None:
        if self._loading:
            return
        # One note per paragraph (blank-line separated): a note can span several lines.
        text = self.form.notes.toPlainText()
        paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n")]
        self._draft.notes = [p for p in paragraphs if p]
        self._changed("notes")

    def _show_kit_contents(self, *_args: object) -> None:
        f = self.form
        row = f.kits_table.currentIndex().row()
        kit = f.kits_model.kit_record(row) if row >= 0 else None
        if kit is None:
            f.kit_contents.setVisible(False)
            return
        rows = "".join(
            f"<li>{c.count} \N{MULTIPLICATION SIGN} {escape(c.name)}"
            + (f" <span style='color:gray'>({escape(c.sku)})</span>" if c.sku else "")
            + "</li>"
            for c in kit.contents
        )
        f.kit_contents.setText(
            f"<b>{escape(kit.name)}</b> contains:<ul style='margin:2px 0 0 -20px'>{rows}</ul>"
            if rows
            else f"<b>{escape(kit.name)}</b>: no contents listed"
        )
        f.kit_contents.setVisible(True)

    # --- validation ----------------------------------------------------------------------

    def _validate(self) -> None:
        self._show_problems(validate_draft(self._draft, self._catalog))

    def _show_problems(self, problems: list[Problem]) -> None:
        self._problems = sort_problems(problems)
        self.sections.show(self._problems, self._touched, reveal_all=self._reveal_all)
        f = self.form
        ready = not self._problems
        f.submit_button.setEnabled(ready)
        if ready:
            f.reason_label.setText("Ready to submit \N{EM DASH} Ctrl+Return")
            set_role(f.reason_label, "hint")
            f.submit_button.setToolTip("Submit order (Ctrl+Return)")
        else:
            first = self._problems[0].message
            more = len(self._problems) - 1
            f.reason_label.setText(first + (f"  (+{more} more)" if more else ""))
            set_role(f.reason_label, "error" if self._reveal_all else "hint")
            f.submit_button.setToolTip(
                "Not ready to submit:\n"
                + "\n".join(f"\N{BULLET} {p.message}" for p in self._problems)
            )
        f.reason_label.setToolTip(f.submit_button.toolTip())
        units = sum(max(ln.count, 0) for ln in self._draft.item_lines)
        f.items_total.setText(
            f"{len(self._draft.item_lines)} line(s), {units} unit(s)"
            if self._draft.item_lines
            else ""
        )

    # --- reference data ------------------------------------------------------------------

    def _on_reference(self, data: ReferenceData) -> None:
        self.loading.loaded()
        f = self.form
        f.patient_picker.model.set_records(data.patients)
        f.patient_picker.set_sites(data.sites)
        f.site_picker.set_sites(data.sites)
        f.new_patient_form.set_sites(data.sites)
        f.item_search.model.set_records(data.items)
        f.kit_search.set_kits(data.kits)
        f.kits_model.set_kit_catalog(data.kits)
        f.advanced.set_items(data.items)
        self._catalog = CatalogSnapshot(data.items, data.kits)
        self._show_kit_contents()
        self._validate()
        self.reference_loaded.emit()

    def _on_reference_error(self, error: BaseException) -> None:
        self.loading.loaded()
        log.warning("Could not load the reference cache: %s", error)

    def _on_reference_refreshed(self, ok: bool) -> None:
        if ok:
            self.reload_reference()

    # --- autosave and results ------------------------------------------------------------

    def _on_saved(self, draft_id: str) -> None:
        if draft_id == self._draft.draft_id:
            self.form.saved_label.setText("Draft saved")
        self.draft_saved.emit(draft_id)

    def _on_save_failed(self, message: str) -> None:
        self.form.saved_label.setText("Not saved!")
        self.form.banner.show_message(
            BannerKind.ERROR,
            f"Your draft could not be saved: {escape(message)}. Keep this window open.",
        )

    def _on_rejected(self, draft: OrderDraft, _message: str) -> None:
        # Impilo refused the order: it comes back into the form, every problem shown.
        self.load_draft(draft)
        self._reveal_all = True
        self._validate()
