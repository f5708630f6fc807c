"""The widgets of the New order page and their layout, in the order the coordinator works:
recipient, items, kits, shipping and references, returns, then Submit. No behaviour here
(see view.py); every control gets an objectName and an accessible name."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from impilo_desktop.ui.order_entry.advanced import AdvancedSection
from impilo_desktop.ui.order_entry.banner import SubmitBanner
from impilo_desktop.ui.order_entry.lines_model import ItemColumn, ItemLinesModel, KitLinesModel
from impilo_desktop.ui.order_entry.lines_table import LinesTable
from impilo_desktop.ui.order_entry.new_patient_form import NewPatientForm
from impilo_desktop.ui.order_entry.picker_widgets import (
    ItemSearch,
    KitSearch,
    PatientPicker,
    SitePicker,
)
from impilo_desktop.ui.plumbing.label_roles import recolor, set_role
from impilo_desktop.ui.plumbing.resources import icon
from impilo_desktop.ui.plumbing.theme import on_scheme_change

FORM_MAX_WIDTH = 1040


def _error_label(name: str, accessible: str, parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    label.setAccessibleName(accessible)
    set_role(label, "error")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setVisible(False)
    return label


def _hint_label(text: str, parent: QWidget, name: str = "") -> QLabel:
    label = QLabel(text, parent)
    if name:
        label.setObjectName(name)
    set_role(label, "hint")
    label.setWordWrap(True)
    return label


def _button(text: str, name: str, accessible: str, icon_name: str, parent: QWidget) -> QPushButton:
    button = QPushButton(icon(icon_name), text, parent)
    button.setObjectName(name)
    button.setAccessibleName(accessible)
    return button


def _text_box(
    name: str, accessible: str, placeholder: str, lines: int, parent: QWidget
) -> QPlainTextEdit:
    box = QPlainTextEdit(parent)
    box.setObjectName(name)
    box.setAccessibleName(accessible)
    box.setPlaceholderText(placeholder)
    box.setTabChangesFocus(True)  # Tab moves on through the form
    box.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
    line_height = box.fontMetrics().lineSpacing()
    box.setFixedHeight(line_height * lines + 14)
    return box


class OrderForm(QWidget):
    """Every control of the order form, laid out; `view.OrderEntryView` drives them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("orderForm")

        self.banner = SubmitBanner(self)
        host = QWidget()
        host.setObjectName("orderFormBody")
        column = QVBoxLayout(host)
        column.setContentsMargins(16, 12, 16, 16)
        column.setSpacing(14)

        self._build_recipient(host, column)
        self._build_items(host, column)
        self._build_kits(host, column)
        self._build_details(host, column)
        self.advanced = AdvancedSection(host)
        column.addWidget(self.advanced)
        column.addStretch(1)

        # Centre the form and keep lines readable on wide windows.
        host.setMaximumWidth(FORM_MAX_WIDTH)
        centred = QWidget()
        centred_layout = QHBoxLayout(centred)
        centred_layout.setContentsMargins(0, 0, 0, 0)
        # The form takes the width up to its maximum; the margins share what is left.
        centred_layout.addStretch(1)
        centred_layout.addWidget(host, 1000)
        centred_layout.addStretch(1)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setObjectName("orderFormScroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidget(centred)
        # Not a Tab stop of its own: focusing a field scrolls it into view anyway.
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        self._build_footer()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        banner_box = QVBoxLayout()
        banner_box.setContentsMargins(16, 10, 16, 0)
        banner_box.addWidget(self.banner)
        layout.addLayout(banner_box)
        layout.addWidget(self.scroll_area, 1)
        layout.addWidget(self.footer_line)
        layout.addWidget(self.footer)
        for picker in (self.patient_picker, self.site_picker, self.item_search, self.kit_search):
            picker.results_shown.connect(lambda p=picker: self._bring_into_view(p))
        # Problem and hint labels are coloured as they are made (`set_role`); after a
        # light/dark switch, again (the scheme follower says it, also when the OS's own
        # style changed the palette: theme.py, `SchemeFollower.palette_changed`).
        on_scheme_change(self._on_scheme_changed)

    # --- sections ------------------------------------------------------------------------

    def _build_recipient(self, host: QWidget, column: QVBoxLayout) -> None:
        box = QGroupBox("Recipient", host)
        box.setObjectName("recipientGroup")
        layout = QVBoxLayout(box)
        layout.setSpacing(8)
        toggle_row = QHBoxLayout()
        toggle_row.setSpacing(18)
        # Radio buttons: native in every style and scheme, arrow keys switch between them.
        self.patient_button = QRadioButton("&Patient", box)
        self.patient_button.setObjectName("recipientPatientButton")
        self.patient_button.setAccessibleName("Order for a patient")
        self.patient_button.setToolTip("Ship to one patient (Alt+P)")
        self.site_button = QRadioButton("&Site", box)
        self.site_button.setObjectName("recipientSiteButton")
        self.site_button.setAccessibleName("Order for a site")
        self.site_button.setToolTip("Ship to a site's stock (Alt+S)")
        self.recipient_buttons = QButtonGroup(box)
        self.recipient_buttons.setExclusive(True)
        for button in (self.patient_button, self.site_button):
            self.recipient_buttons.addButton(button)
            toggle_row.addWidget(button)
        self.patient_button.setChecked(True)
        toggle_row.addSpacing(6)
        toggle_row.addWidget(
            _hint_label("Send to one patient's home, or to a site's stock.", box), 1
        )
        layout.addLayout(toggle_row)
        self.recipient_stack = QStackedWidget(box)
        self.recipient_stack.setObjectName("recipientStack")
        self.patient_picker = PatientPicker(self.recipient_stack)
        self.site_picker = SitePicker(self.recipient_stack)
        self.new_patient_form = NewPatientForm(self.recipient_stack)
        self.recipient_stack.addWidget(self.patient_picker)
        self.recipient_stack.addWidget(self.site_picker)
        self.recipient_stack.addWidget(self.new_patient_form)
        self.recipient_stack.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        # A stack is as tall as its tallest page: the pages not shown must not count (the
        # new-patient form would leave a gap under the search).
        self.recipient_stack.currentChanged.connect(self._fit_recipient_stack)
        self._fit_recipient_stack()
        layout.addWidget(self.recipient_stack)
        self.recipient_error = _error_label("recipientError", "Recipient problem", box)
        layout.addWidget(self.recipient_error)
        column.addWidget(box)

    def _build_items(self, host: QWidget, column: QVBoxLayout) -> None:
        box = QGroupBox("Items", host)
        box.setObjectName("itemsGroup")
        layout = QVBoxLayout(box)
        layout.setSpacing(6)
        self.item_search = ItemSearch(box)
        layout.addWidget(self.item_search)
        self.items_model = ItemLinesModel(self)
        self.items_table = LinesTable(
            self.items_model,
            name="itemsTable",
            accessible_name="Items on this order",
            empty_text="No items yet. Search above, or scan a barcode into the search field.",
            visible_rows=3,
            max_rows=12,
            parent=box,
        )
        header = self.items_table.horizontalHeader()
        self.items_table.stretch_column(int(ItemColumn.NAME))
        header.resizeSection(int(ItemColumn.SKU), 130)
        header.resizeSection(int(ItemColumn.MANUFACTURER), 170)
        layout.addWidget(self.items_table)
        row = QHBoxLayout()
        self.remove_item_button = _button(
            "Remove item", "removeItemButton", "Remove selected items", "remove", box
        )
        self.remove_item_button.setToolTip("Remove the selected lines (Delete)")
        row.addWidget(self.remove_item_button)
        row.addStretch(1)
        self.items_total = _hint_label("", box, "itemsTotal")
        self.items_total.setWordWrap(False)
        row.addWidget(self.items_total)
        layout.addLayout(row)
        self.items_error = _error_label("itemsError", "Items problem", box)
        layout.addWidget(self.items_error)
        column.addWidget(box)

    def _build_kits(self, host: QWidget, column: QVBoxLayout) -> None:
        box = QGroupBox("Kits", host)
        box.setObjectName("kitsGroup")
        layout = QVBoxLayout(box)
        layout.setSpacing(6)
        self.kit_search = KitSearch(box)
        layout.addWidget(self.kit_search)
        self.kits_model = KitLinesModel(self)
        self.kits_table = LinesTable(
            self.kits_model,
            name="kitsTable",
            accessible_name="Kits on this order",
            empty_text="No kits. A kit is packed and shipped as one unit.",
            visible_rows=2,
            max_rows=8,
            parent=box,
        )
        header = self.kits_table.horizontalHeader()
        header.resizeSection(0, 230)
        self.kits_table.stretch_column(1)
        layout.addWidget(self.kits_table)
        self.kit_contents = QLabel(box)
        self.kit_contents.setObjectName("kitContents")
        self.kit_contents.setAccessibleName("Contents of the selected kit")
        self.kit_contents.setTextFormat(Qt.TextFormat.RichText)
        self.kit_contents.setWordWrap(True)
        self.kit_contents.setFrameShape(QFrame.Shape.StyledPanel)
        self.kit_contents.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        self.kit_contents.setAutoFillBackground(True)
        self.kit_contents.setContentsMargins(8, 6, 8, 6)
        self.kit_contents.setVisible(False)
        layout.addWidget(self.kit_contents)
        row = QHBoxLayout()
        self.remove_kit_button = _button(
            "Remove kit", "removeKitButton", "Remove selected kits", "remove", box
        )
        self.remove_kit_button.setToolTip("Remove the selected kits (Delete)")
        row.addWidget(self.remove_kit_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.kits_error = _error_label("kitsError", "Kits problem", box)
        layout.addWidget(self.kits_error)
        column.addWidget(box)

    def _build_details(self, host: QWidget, column: QVBoxLayout) -> None:
        box = QGroupBox("Shipping and references", host)
        box.setObjectName("detailsGroup")
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        form.setVerticalSpacing(6)

        shipping_row = QHBoxLayout()
        self.standard_radio = QRadioButton("S&tandard", box)
        self.standard_radio.setObjectName("shippingStandard")
        self.standard_radio.setAccessibleName("Standard shipping")
        self.overnight_radio = QRadioButton("&Overnight", box)
        self.overnight_radio.setObjectName("shippingOvernight")
        self.overnight_radio.setAccessibleName("Overnight shipping")
        self.shipping_buttons = QButtonGroup(box)
        self.shipping_buttons.addButton(self.standard_radio)
        self.shipping_buttons.addButton(self.overnight_radio)
        self.standard_radio.setChecked(True)
        shipping_row.addWidget(self.standard_radio)
        shipping_row.addWidget(self.overnight_radio)
        shipping_row.addStretch(1)
        shipping_box = QVBoxLayout()
        shipping_box.addLayout(shipping_row)
        self.shipping_error = _error_label("shippingError", "Shipping problem", box)
        shipping_box.addWidget(self.shipping_error)
        form.addRow("Shipping:", shipping_box)

        self.external_ids = _text_box(
            "externalOrderIds",
            "External order IDs, one per line",
            "Your own references, one per line (e.g. a requisition number)",
            3,
            box,
        )
        ids_box = QVBoxLayout()
        ids_box.addWidget(self.external_ids)
        self.external_ids_error = _error_label(
            "externalOrderIdsError", "External order ID problem", box
        )
        ids_box.addWidget(self.external_ids_error)
        form.addRow("External order IDs:", ids_box)

        self.notes = _text_box(
            "orderNotes", "Order notes", "Anything Impilo's fulfilment team should know", 3, box
        )
        notes_box = QVBoxLayout()
        notes_box.addWidget(self.notes)
        self.notes_error = _error_label("notesError", "Notes problem", box)
        notes_box.addWidget(self.notes_error)
        form.addRow("Notes:", notes_box)
        column.addWidget(box)

    def _build_footer(self) -> None:
        self.footer = QFrame(self)
        self.footer.setObjectName("orderFooter")
        self.footer.setFrameShape(QFrame.Shape.NoFrame)
        self.footer.setAutoFillBackground(True)
        layout = QHBoxLayout(self.footer)
        layout.setContentsMargins(16, 8, 16, 10)
        layout.setSpacing(8)
        self.saved_label = _hint_label("", self.footer, "draftSavedLabel")
        self.saved_label.setWordWrap(False)
        self.reason_label = QLabel(self.footer)
        self.reason_label.setObjectName("submitReason")
        self.reason_label.setAccessibleName("Why the order cannot be submitted yet")
        self.reason_label.setWordWrap(True)
        self.new_order_button = _button(
            "New order", "newOrderButton", "Start a new order", "new-order", self.footer
        )
        self.new_order_button.setToolTip(
            "Start a new order; this one stays in Drafts (Ctrl+Shift+N)"
        )
        self.from_template_button = _button(
            "From template…",
            "fromTemplateButton",
            "New order from template",
            "new-order",
            self.footer,
        )
        self.from_template_button.setToolTip(
            "Start a new order from a template; this one stays in Drafts (Ctrl+T)"
        )
        self.submit_button = _button(
            "Submit order", "submitOrderButton", "Submit order", "send", self.footer
        )
        self.submit_button.setDefault(False)
        self.submit_button.setAutoDefault(False)
        font = QFont(self.submit_button.font())
        font.setBold(True)
        self.submit_button.setFont(font)
        self.submit_button.setMinimumWidth(150)
        layout.addWidget(self.saved_label)
        layout.addSpacing(8)
        layout.addWidget(self.reason_label, 1)
        layout.addWidget(self.new_order_button)
        layout.addWidget(self.from_template_button)
        layout.addWidget(self.submit_button)
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        self.footer_line = line

    def apply_style(self) -> None:
        """Error and hint colours from the theme (again after a light/dark switch)."""
        # Through the labels' palettes, not a style sheet on the form (label_roles.py).
        recolor(self)

    def _fit_recipient_stack(self, *_args: object) -> None:
        stack = self.recipient_stack
        for position in range(stack.count()):
            page = stack.widget(position)
            if page is None:
                continue
            policy = (
                QSizePolicy.Policy.Preferred
                if page is stack.currentWidget()
                else QSizePolicy.Policy.Ignored
            )
            page.setSizePolicy(QSizePolicy.Policy.Preferred, policy)
        stack.updateGeometry()

    def _bring_into_view(self, picker: QWidget) -> None:
        # The list opens below its field; at the bottom of the form (Kits) it would open out
        # of sight. Once laid out, scroll so the field and its list show.
        QTimer.singleShot(0, self, lambda: self.scroll_area.ensureWidgetVisible(picker, 0, 8))

    def _on_scheme_changed(self, _dark: bool) -> None:
        self.apply_style()

    def recipient_button_for(self, kind: str) -> QRadioButton:
        return self.patient_button if kind == "patient" else self.site_button
