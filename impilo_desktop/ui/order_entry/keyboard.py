"""The New order page's keyboard: its shortcuts (Ctrl+Return submits, Ctrl+F finds the
patient, Ctrl+I / Ctrl+K add an item / a kit, Ctrl+Shift+P a new patient, Ctrl+Shift+N a new
order) and where each puts the cursor. Shortcuts work anywhere in the page
(`WidgetWithChildrenShortcut`), never on another page.

A mixin of `OrderEntryView` (it works on the view's draft and form).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractItemDelegate, QWidget

if TYPE_CHECKING:
    from impilo_desktop.domain import OrderDraft
    from impilo_desktop.ui.order_entry.form import OrderForm


class OrderEntryKeys:
    """The shortcuts of the New order page (mixed into `OrderEntryView`)."""

    form: OrderForm
    _draft: OrderDraft

    if TYPE_CHECKING:  # provided by OrderEntryView and its other mixins

        def addAction(self, action: QAction) -> None: ...
        def submit(self) -> None: ...
        def new_order(self) -> None: ...
        def start_new_patient(self, typed: str | None = None) -> None: ...
        def search_existing_patients(self) -> None: ...

    def _build_actions(self) -> None:
        def action(name: str, text: str, keys: list[QKeySequence], slot: Any) -> QAction:
            act = QAction(text, cast("QWidget", self))  # the view, a QWidget
            act.setObjectName(name)
            act.setShortcuts(keys)
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.submit_action = action(
            "submitOrderAction",
            "Submit order",
            [QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")],
            self._on_submit_shortcut,
        )
        self.find_patient_action = action(
            "findPatientAction", "Find patient", [QKeySequence("Ctrl+F")], self._focus_recipient
        )
        self.add_item_action = action(
            "addItemAction", "Add item", [QKeySequence("Ctrl+I")], self._focus_item_search
        )
        self.add_kit_action = action(
            "addKitAction", "Add kit", [QKeySequence("Ctrl+K")], self._focus_kit_search
        )
        self.new_patient_action = action(
            "newPatientAction",
            "New patient",
            [QKeySequence("Ctrl+Shift+P")],
            lambda: self.start_new_patient(None),
        )
        # Ctrl+N belongs to the shell's File > New order, which calls new_order().
        self.new_order_action = action(
            "newOrderAction", "New order", [QKeySequence("Ctrl+Shift+N")], self.new_order
        )
        f = self.form
        f.submit_button.setToolTip("Submit order (Ctrl+Return)")
        f.patient_picker.search_field.setToolTip("Find a patient (Ctrl+F)")
        f.item_search.search_field.setToolTip("Add an item by name, SKU or barcode (Ctrl+I)")
        f.kit_search.search_field.setToolTip("Add a kit (Ctrl+K)")

    def _on_submit_shortcut(self) -> None:
        # A half-typed count is committed first, so Ctrl+Return submits what is on screen.
        for table in (self.form.items_table, self.form.kits_table):
            editor = table.indexWidget(table.currentIndex())
            if editor is not None:
                table.commitData(editor)
                table.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)
        self.submit()

    def _recipient_picker(self) -> QWidget:
        f = self.form
        if self._draft.is_new_patient_order:
            return f.new_patient_form
        return f.patient_picker if self._draft.recipient_kind == "patient" else f.site_picker

    def _focus_recipient(self) -> None:
        f = self.form
        if self._draft.is_new_patient_order:
            self.search_existing_patients()  # Ctrl+F: find the patient after all
            return
        picker = f.patient_picker if self._draft.recipient_kind == "patient" else f.site_picker
        if picker.choice is not None:
            picker.clear_choice()
        picker.search_field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        picker.search_field.selectAll()

    def _focus_item_search(self) -> None:
        self.form.item_search.search_field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.form.item_search.search_field.selectAll()

    def _focus_kit_search(self) -> None:
        self.form.kit_search.search_field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.form.kit_search.search_field.selectAll()
