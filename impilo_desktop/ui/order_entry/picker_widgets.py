"""The concrete pickers: PatientPicker, SitePicker and the catalog searches (items, kits),
with their columns and the card text of a chosen recipient. The behaviour they share is in
`record_picker.RecordPicker`."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QPushButton, QVBoxLayout, QWidget

from impilo_desktop.ui.order_entry.patient_table import PatientTable
from impilo_desktop.ui.order_entry.picker_model import PickerColumn, PickerModel
from impilo_desktop.ui.order_entry.record_picker import (
    REMOTE_DEBOUNCE_MS,
    VISIBLE_RESULT_ROWS,
    RecordPicker,
)
from impilo_desktop.ui.order_entry.records import (
    ItemRecord,
    KitRecord,
    PatientRecord,
    SiteRecord,
)
from impilo_desktop.ui.plumbing.resources import icon

__all__ = [
    "REMOTE_DEBOUNCE_MS",
    "VISIBLE_RESULT_ROWS",
    "ItemSearch",
    "KitSearch",
    "PatientPicker",
    "RecordPicker",
    "SitePicker",
    "item_columns",
    "kit_columns",
    "patient_columns",
    "site_columns",
]


def patient_columns() -> list[PickerColumn[PatientRecord]]:
    return [
        PickerColumn(
            "Name",
            lambda r: r.display_name + (" (archived)" if r.archived else ""),
            lambda r: r.sort_key(),
        ),
        PickerColumn("Date of birth", lambda r: r.date_of_birth or "—"),
        PickerColumn("External ID", lambda r: r.external_identifier or "—"),
        PickerColumn("Site", lambda r: r.site_name or "—"),
        PickerColumn("City", lambda r: r.city or "—"),
    ]


def site_columns() -> list[PickerColumn[SiteRecord]]:
    return [
        PickerColumn("Site", lambda r: r.name, lambda r: r.sort_key()),
        PickerColumn("City", lambda r: r.city or "—"),
        PickerColumn("State", lambda r: r.state or "—"),
        PickerColumn("ID", lambda r: str(r.id), lambda r: r.id),
    ]


def item_columns() -> list[PickerColumn[ItemRecord]]:
    return [
        PickerColumn("Item", lambda r: r.name, lambda r: r.sort_key()),
        PickerColumn("SKU", lambda r: r.sku or "—"),
        PickerColumn("Manufacturer", lambda r: r.manufacturer or "—"),
        PickerColumn("Availability", lambda r: "Orderable" if r.can_order else "Not orderable"),
    ]


def kit_columns() -> list[PickerColumn[KitRecord]]:
    return [
        PickerColumn("Kit", lambda r: r.name, lambda r: r.sort_key()),
        PickerColumn("Contents", lambda r: r.summary),
    ]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def describe_patient(record: PatientRecord) -> str:
    """The chosen-patient card: name on top, the identifying details beneath."""
    details = [
        f"Born {record.date_of_birth}" if record.date_of_birth else "Date of birth unknown",
        f"External ID {record.external_identifier}" if record.external_identifier else "",
        " \N{EM DASH} ".join(p for p in (record.site_name, record.city) if p),
        f"Impilo #{record.id}",
    ]
    line = "  \N{MIDDLE DOT}  ".join(_escape(d) for d in details if d)
    return f"<b>{_escape(record.display_name)}</b><br><span>{line}</span>"


def describe_site(record: SiteRecord) -> str:
    place = ", ".join(p for p in (record.city, record.state) if p)
    details = "  \N{MIDDLE DOT}  ".join(_escape(p) for p in (place, f"Impilo #{record.id}") if p)
    return f"<b>{_escape(record.name)}</b><br><span>{details}</span>"


class PatientPicker(RecordPicker[PatientRecord]):
    """Find a patient in the cached list (name, DOB, external id, email, id), optionally
    within one site; falls back to asking Impilo. "New patient…" (beside the field, and
    offered under it when nobody matched) asks for the new-patient form: `new_patient_wanted`
    with what was typed in the search."""

    new_patient_wanted = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            PickerModel(
                patient_columns(),
                enabled=lambda r: not r.archived,
                tooltip=lambda r: (
                    ("Archived in Impilo: this patient can't receive orders" if r.archived else "")
                    or None
                ),
            ),
            name="patientPicker",
            noun="patient",
            placeholder="Name, date of birth, external ID, email or Impilo ID",
            sticky=True,
            describe=describe_patient,
            remote_lookup=True,
            parent=parent,
        )
        self.site_scope = QComboBox(self)
        self.site_scope.setObjectName("patientSiteScope")
        self.site_scope.setAccessibleName("Only patients of site")
        self.site_scope.setToolTip("Only search patients of this site")
        self.site_scope.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.site_scope.setMaximumWidth(240)
        self.site_scope.addItem("All sites", None)
        self.site_scope.currentIndexChanged.connect(self._on_scope)
        self.search_row.addWidget(self.site_scope)
        self.new_patient_button = QPushButton(
            icon("add"), "New patient\N{HORIZONTAL ELLIPSIS}", self
        )
        self.new_patient_button.setObjectName("newPatientButton")
        self.new_patient_button.setAccessibleName("New patient")
        self.new_patient_button.setToolTip(
            "A patient not in Impilo yet, created with this order (Ctrl+Shift+P)"
        )
        self.new_patient_button.setAutoDefault(False)
        self.new_patient_button.clicked.connect(self._want_new_patient)
        self.search_row.addWidget(self.new_patient_button)
        # Offered under the search when nobody matched, here or on Impilo.
        self.offer_button = QPushButton(icon("add"), "", self)
        self.offer_button.setObjectName("newPatientOffer")
        self.offer_button.setAutoDefault(False)
        self.offer_button.clicked.connect(self._want_new_patient)
        self.offer_button.setVisible(False)
        self._kept = ""
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.addWidget(self.offer_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.found_nothing.connect(self._offer)
        header = self.results.horizontalHeader()
        for column, width in enumerate((210, 100, 130, 220)):
            header.resizeSection(column, width)

    def keep_new_patient(self, name: str) -> None:
        """A new patient typed earlier is kept (`name`, "" when none): the button brings it
        back instead of starting afresh."""
        ellipsis = "\N{HORIZONTAL ELLIPSIS}"
        self.new_patient_button.setText(
            f"Back to new patient{ellipsis}" if name else f"New patient{ellipsis}"
        )
        self.new_patient_button.setAccessibleName(f"Back to {name}" if name else "New patient")
        self.new_patient_button.setToolTip(
            f"Back to {name}, as typed (Ctrl+Shift+P)"
            if name
            else "A patient not in Impilo yet, created with this order (Ctrl+Shift+P)"
        )
        self._kept = name

    def _offer(self, query: str) -> None:
        if query and self.choice is None:
            self.offer_button.setText(
                f"Back to {self._kept}\N{HORIZONTAL ELLIPSIS}"
                if self._kept
                else f"New patient \N{LEFT DOUBLE QUOTATION MARK}{query}"
                "\N{RIGHT DOUBLE QUOTATION MARK}\N{HORIZONTAL ELLIPSIS}"
            )
            self.offer_button.setAccessibleName(
                self.offer_button.text().rstrip("\N{HORIZONTAL ELLIPSIS}")
            )
            self.offer_button.setToolTip(
                "Not in Impilo yet: created with this order (Ctrl+Shift+P)"
            )
        self.offer_button.setVisible(bool(query) and self.choice is None)

    def _want_new_patient(self) -> None:
        self.new_patient_wanted.emit(self.search_field.text().strip())

    def set_sites(self, sites: list[SiteRecord]) -> None:
        """The sites offered for narrowing (keeps the current choice when still present)."""
        current = self.site_scope.currentData()
        self.site_scope.blockSignals(True)
        self.site_scope.clear()
        self.site_scope.addItem("All sites", None)
        for site in sorted(sites, key=lambda s: s.sort_key()):
            self.site_scope.addItem(site.name, site.id)
        position = self.site_scope.findData(current)
        self.site_scope.setCurrentIndex(max(0, position))
        self.site_scope.blockSignals(False)

    def _on_scope(self, _position: int) -> None:
        site_id = self.site_scope.currentData()
        if site_id is None:
            self.set_scope(None, None)
            return
        model = self.model

        def in_site(row: int) -> bool:
            table = model.records
            if isinstance(table, PatientTable):  # no record made per row: read the column
                return table.site_id_at(row) == site_id
            return model.record_at(row).site_id == site_id

        self.set_scope(("site", site_id), in_site)

    def set_choice(self, record: PatientRecord | None, *, emit: bool = False) -> None:
        super().set_choice(record, emit=emit)
        self.site_scope.setVisible(record is None)
        self.new_patient_button.setVisible(record is None)
        if record is not None:
            self.offer_button.setVisible(False)

    @property
    def scoped_site(self) -> int | None:
        """The site the search is narrowed to, if any (a new patient starts there)."""
        site_id = self.site_scope.currentData()
        return site_id if isinstance(site_id, int) else None


class SitePicker(RecordPicker[SiteRecord]):
    """Find an active site by name, city, state or id."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            PickerModel(site_columns()),
            name="sitePicker",
            noun="site",
            placeholder="Site name, city or Impilo ID",
            sticky=True,
            describe=describe_site,
            remote_lookup=True,
            parent=parent,
        )
        header = self.results.horizontalHeader()
        for column, width in enumerate((240, 140, 80)):
            header.resizeSection(column, width)

    def set_sites(self, sites: list[SiteRecord]) -> None:
        # Inactive sites cannot receive orders; they are not offered at all.
        self.model.set_records([s for s in sites if s.active])


class ItemSearch(RecordPicker[ItemRecord]):
    """Add catalog items by name, SKU or manufacturer; a scanned SKU + Enter adds directly.
    Non-orderable items are listed greyed out with the reason in the tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        model: PickerModel[ItemRecord] = PickerModel(
            item_columns(),
            enabled=lambda r: r.can_order,
            tooltip=lambda r: r.unavailable_reason or f"{r.name} — {r.sku}",
        )
        super().__init__(
            model,
            name="itemSearch",
            noun="item",
            placeholder="Add item: name, SKU or manufacturer — or scan a barcode",
            sticky=False,
            exact_match=self._by_sku,
            parent=parent,
        )
        header = self.results.horizontalHeader()
        for column, width in enumerate((260, 120, 160)):
            header.resizeSection(column, width)

    def _by_sku(self, text: str) -> ItemRecord | None:
        wanted = text.strip().lower()
        return self.model.find(lambda r: r.sku.lower() == wanted and r.can_order)

    def _pick_current(self) -> None:
        text = self.search_field.text().strip()
        sku_match = self.model.find(lambda r: r.sku.lower() == text.lower()) if text else None
        if sku_match is not None and not sku_match.can_order:
            self._say(
                f"{sku_match.name} ({sku_match.sku}) cannot be ordered: "
                f"{sku_match.unavailable_reason}"
            )
            return
        super()._pick_current()


class KitSearch(RecordPicker[KitRecord]):
    """Add kits by name or by an item they contain (archived kits are not offered)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        model: PickerModel[KitRecord] = PickerModel(
            kit_columns(), tooltip=lambda r: f"{r.name}: {r.summary}"
        )
        super().__init__(
            model,
            name="kitSearch",
            noun="kit",
            placeholder="Add kit: kit name or an item it contains",
            sticky=False,
            exact_match=lambda text: model.find(lambda r: r.name.lower() == text.lower()),
            parent=parent,
        )
        self.results.horizontalHeader().resizeSection(0, 240)

    def set_kits(self, kits: list[KitRecord]) -> None:
        self.model.set_records([k for k in kits if not k.archived])
