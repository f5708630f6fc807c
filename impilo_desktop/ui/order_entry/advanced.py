"""The collapsible "Returns and label" section: return lines of a two-way order (items with
a count, device ids, packed kits with a quantity) and the email-label switch.

Folded by default: most orders have no returns. It unfolds by itself when a loaded draft
has return lines or when validation has something to say about them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from impilo_desktop.domain import MAX_COUNT, OrderDraft
from impilo_desktop.ui.order_entry.lines_model import (
    LinesModel,
    ReturnDevicesModel,
    ReturnItemsModel,
    ReturnPackedKitsModel,
)
from impilo_desktop.ui.order_entry.lines_table import LinesTable
from impilo_desktop.ui.order_entry.picker_model import PickerModel
from impilo_desktop.ui.order_entry.picker_widgets import RecordPicker, item_columns
from impilo_desktop.ui.order_entry.records import ItemRecord
from impilo_desktop.ui.plumbing.label_roles import set_role


def _id_field(name: str, accessible: str, placeholder: str, parent: QWidget) -> QLineEdit:
    field = QLineEdit(parent)
    field.setObjectName(name)
    field.setAccessibleName(accessible)
    field.setPlaceholderText(placeholder)
    field.setValidator(QIntValidator(1, 2**31 - 1, field))
    field.setMaximumWidth(180)
    return field


def _returns_table(
    model: LinesModel, name: str, what: str, stretch: int, parent: QWidget
) -> LinesTable:
    """A small table of returned `what` (two rows tall, at most five before scrolling)."""
    table = LinesTable(
        model,
        name=name,
        accessible_name=f"Returned {what}",
        empty_text=f"No returned {what}",
        visible_rows=2,
        max_rows=5,
        parent=parent,
    )
    table.stretch_column(stretch)
    return table


def _above(top: QWidget | QLayout, table: LinesTable) -> QVBoxLayout:
    """`top` (a search field or an id row) with its table under it."""
    box = QVBoxLayout()
    box.setSpacing(4)
    if isinstance(top, QLayout):
        box.addLayout(top)
    else:
        box.addWidget(top)
    box.addWidget(table)
    return box


class AdvancedSection(QWidget):
    """Return lines and the email-label option, behind a disclosure button."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("advancedSection")
        self._draft = OrderDraft()

        self.toggle = QToolButton(self)
        self.toggle.setObjectName("advancedToggle")
        self.toggle.setAccessibleName("Show returns and label options")
        self.toggle.setText("Returns and label (two-way orders)")
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setAutoRaise(True)
        self.toggle.toggled.connect(self.set_expanded)

        self.summary = QLabel(self)
        self.summary.setObjectName("advancedSummary")
        set_role(self.summary, "hint")

        self.body = QFrame(self)
        self.body.setObjectName("advancedBody")
        form = QFormLayout(self.body)
        form.setContentsMargins(22, 4, 0, 4)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        # Return items: searched in the whole catalog (orderable or not, it is coming back).
        self.return_items_model = ReturnItemsModel(self)
        self.return_item_search: RecordPicker[ItemRecord] = RecordPicker(
            PickerModel(item_columns()),
            name="returnItemSearch",
            noun="return item",
            placeholder="Add a returned item: name or SKU",
            sticky=False,
            parent=self.body,
        )
        self.return_item_search.chosen.connect(self._add_return_item)
        self.return_items_table = _returns_table(
            self.return_items_model, "returnItemsTable", "items", 0, self.body
        )
        items_box = _above(self.return_item_search, self.return_items_table)
        form.addRow("Returned items:", items_box)

        # Devices by Impilo device id.
        self.return_devices_model = ReturnDevicesModel(self)
        self.device_id_field = _id_field(
            "returnDeviceId", "Returned device ID", "Device ID", self.body
        )
        self.add_device_button = QPushButton("Add device", self.body)
        self.add_device_button.setObjectName("addReturnDevice")
        self.add_device_button.setAccessibleName("Add returned device")
        self.add_device_button.clicked.connect(self._add_device)
        self.device_id_field.returnPressed.connect(self._add_device)
        self.return_devices_table = _returns_table(
            self.return_devices_model, "returnDevicesTable", "devices", 1, self.body
        )
        device_row = QHBoxLayout()
        device_row.addWidget(self.device_id_field)
        device_row.addWidget(self.add_device_button)
        device_row.addStretch(1)
        devices_box = _above(device_row, self.return_devices_table)
        form.addRow("Returned devices:", devices_box)

        # Packed kits by packed-kit id, with a quantity.
        self.return_kits_model = ReturnPackedKitsModel(self)
        self.packed_kit_field = _id_field(
            "returnPackedKitId", "Returned packed kit ID", "Packed kit ID", self.body
        )
        self.packed_kit_quantity = QSpinBox(self.body)
        self.packed_kit_quantity.setObjectName("returnPackedKitQuantity")
        self.packed_kit_quantity.setAccessibleName("Returned packed kit quantity")
        self.packed_kit_quantity.setRange(1, MAX_COUNT)
        self.packed_kit_quantity.setPrefix("Qty ")
        self.add_packed_kit_button = QPushButton("Add packed kit", self.body)
        self.add_packed_kit_button.setObjectName("addReturnPackedKit")
        self.add_packed_kit_button.setAccessibleName("Add returned packed kit")
        self.add_packed_kit_button.clicked.connect(self._add_packed_kit)
        self.packed_kit_field.returnPressed.connect(self._add_packed_kit)
        self.return_kits_table = _returns_table(
            self.return_kits_model, "returnPackedKitsTable", "packed kits", 0, self.body
        )
        kit_row = QHBoxLayout()
        kit_row.addWidget(self.packed_kit_field)
        kit_row.addWidget(self.packed_kit_quantity)
        kit_row.addWidget(self.add_packed_kit_button)
        kit_row.addStretch(1)
        kits_box = _above(kit_row, self.return_kits_table)
        form.addRow("Returned packed kits:", kits_box)

        self.email_label = QCheckBox("Email the return label instead of shipping it", self.body)
        self.email_label.setObjectName("emailLabelCheck")
        self.email_label.setAccessibleName("Email the return label")
        self.email_label.toggled.connect(self._on_email_label)
        form.addRow("", self.email_label)

        self.error = QLabel(self.body)
        self.error.setObjectName("returnsError")
        set_role(self.error, "error")
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        form.addRow("", self.error)

        for model in (self.return_items_model, self.return_devices_model, self.return_kits_model):
            model.changed.connect(self._on_lines_changed)

        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self.toggle)
        header.addWidget(self.summary, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addWidget(self.body)
        self.body.setVisible(False)

    # --- state ---------------------------------------------------------------------------

    def set_items(self, items: list[ItemRecord]) -> None:
        self.return_item_search.model.set_records(items)

    def set_draft(self, draft: OrderDraft) -> None:
        self._draft = draft
        for model in (self.return_items_model, self.return_devices_model, self.return_kits_model):
            model.set_draft(draft)
        self.email_label.blockSignals(True)
        self.email_label.setChecked(draft.email_label)
        self.email_label.blockSignals(False)
        self._update_summary()
        # A new or plain draft folds the section away; one with returns shows them.
        self.set_expanded(draft.has_returns or draft.email_label)

    def set_expanded(self, expanded: bool) -> None:
        self.body.setVisible(expanded)
        self.toggle.blockSignals(True)
        self.toggle.setChecked(expanded)
        self.toggle.blockSignals(False)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.toggle.setAccessibleName(
            "Hide returns and label options" if expanded else "Show returns and label options"
        )

    @property
    def expanded(self) -> bool:
        return self.body.isVisibleTo(self)

    def show_problems(self, messages: list[str]) -> None:
        self.error.setText("\n".join(messages))
        self.error.setVisible(bool(messages))
        if messages:
            self.set_expanded(True)

    # --- edits ---------------------------------------------------------------------------

    def _add_return_item(self, record: object) -> None:
        if isinstance(record, ItemRecord):
            self.return_items_model.add_item(record.id, name=record.name)

    def _add_device(self) -> None:
        text = self.device_id_field.text().strip()
        if text.isdigit() and int(text) > 0:
            self.return_devices_model.add_device(int(text))
            self.device_id_field.clear()

    def _add_packed_kit(self) -> None:
        text = self.packed_kit_field.text().strip()
        if text.isdigit() and int(text) > 0:
            self.return_kits_model.add_packed_kit(int(text), self.packed_kit_quantity.value())
            self.packed_kit_field.clear()
            self.packed_kit_quantity.setValue(1)

    def _on_email_label(self, checked: bool) -> None:
        self._draft.email_label = checked
        self._draft.touch()
        self._update_summary()
        self.changed.emit()

    def _on_lines_changed(self) -> None:
        self._update_summary()
        self.changed.emit()

    def _update_summary(self) -> None:
        draft = self._draft
        parts = []
        if draft.return_items:
            parts.append(f"{len(draft.return_items)} returned item line(s)")
        if draft.return_devices:
            parts.append(f"{len(draft.return_devices)} device(s)")
        if draft.return_packed_kits:
            parts.append(f"{len(draft.return_packed_kits)} packed kit(s)")
        if draft.email_label:
            parts.append("label by email")
        self.summary.setText(" \N{MIDDLE DOT} ".join(parts))
